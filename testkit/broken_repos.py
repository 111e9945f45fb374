"""Generated broken repositories: a seeded generator of Kustomize trees broken the ways a
user's can be, for the generated-repository harness (tests/e2e/shapes/test_generated_repositories.py).

Every repository is the same small one (``base/`` and three overlays over it: ``dev``,
``prod`` and ``ok``, each an environment committing to main) with one to three defects drawn
by the seed from :data:`DEFECTS`, each put into ``dev`` or ``prod`` (or beside them; an app of
apps makes the environment's path a root Application, ``roots/<env>.yaml``); ``ok`` is
never touched, so a run that releases nothing of it has let one environment's defect stop the
others. A defect says what a run must show of it: the environment's release refused in one
line naming ``marker`` with the fix (``refused``), or the environment read on (``refused``
False: a form kustomize builds, or a file nothing renders), or its image read as not rendered
with the reason naming ``marker`` (``unread``: what an app of apps yields that the bot cannot
follow)."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from testkit import app_of_apps
from testkit.local_git import commit, git, write

MIB = 1 << 20
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: {image}:1.0.0\n"
)
ENVIRONMENTS = ("dev", "prod", "ok")


@dataclass
class Tree:
    """A repository being built: its files (bytes), its symbolic links, what lies outside it."""

    image: str
    files: dict[str, bytes] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # path -> target, as written
    outside: dict[str, bytes] = field(default_factory=dict)  # beside the repository
    paths: dict[str, str] = field(default_factory=dict)  # environment -> its path, if not its overlay
    image_keys: str = ""  # more of the image's configuration (its chart's values keys)

    def text(self, rel: str, text: str) -> None:
        self.files[rel] = text.encode()

    def kustomization(self, env: str) -> str:
        return self.files[f"overlays/{env}/kustomization.yaml"].decode()

    def add_entry(self, env: str, entry: str, key: str = "resources") -> None:
        """``entry`` listed under ``key`` in the overlay's kustomization."""
        rel = f"overlays/{env}/kustomization.yaml"
        text = self.kustomization(env)
        if f"{key}:\n" in text:
            text = text.replace(f"{key}:\n", f"{key}:\n- {entry}\n", 1)
        else:
            text += f"{key}:\n- {entry}\n"
        self.text(rel, text)


@dataclass(frozen=True)
class Defect:
    name: str
    make: Callable[[Tree, str, random.Random], str]  # -> the marker a run must name
    refused: bool  # the environment's release must be refused, in one line with its fix
    elsewhere: bool = False  # put beside the environments: no environment is refused for it
    unread: bool = False  # its image read as not rendered, the reading's line naming ``marker`` with the fix


@dataclass(frozen=True)
class Placed:
    defect: Defect
    environment: str  # "" for a defect put beside the environments
    marker: str


def _cycle(t: Tree, env: str, r: random.Random) -> str:
    t.add_entry(env, f"../{env}-loop")
    t.text(f"overlays/{env}-loop/kustomization.yaml", f"resources:\n- ../{env}\n")
    return f"overlays/{env}-loop"


def _self(t: Tree, env: str, r: random.Random) -> str:
    t.add_entry(env, f"../{env}")
    return f"overlays/{env}"


def _link_loop(t: Tree, env: str, r: random.Random) -> str:
    t.links[f"overlays/{env}/a.yaml"] = "b.yaml"
    t.links[f"overlays/{env}/b.yaml"] = "a.yaml"
    t.add_entry(env, "a.yaml")
    return f"overlays/{env}/a.yaml"


def _loop_elsewhere(t: Tree, env: str, r: random.Random) -> str:
    t.links["docs/loop"] = "loop"
    return "docs/loop"


def _link_out(t: Tree, env: str, r: random.Random) -> str:
    t.outside["shared/extra.yaml"] = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n"
    t.links[f"overlays/{env}/extra.yaml"] = "../../../outside/shared/extra.yaml"
    t.add_entry(env, "extra.yaml")
    return f"overlays/{env}/extra.yaml"


def _over_bound(t: Tree, env: str, r: random.Random) -> str:
    line = b"# " + b"x" * 1021 + b"\n"
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n" + line * (4 * 1024 + 1)
    t.files[f"overlays/{env}/big.yaml"] = body
    t.add_entry(env, "big.yaml")
    return f"overlays/{env}/big.yaml"


def _many_files(t: Tree, env: str, r: random.Random) -> str:
    for i in range(5_001):
        t.files[f"overlays/{env}/many/cm-{i:05d}.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n".encode()
        )
    t.add_entry(env, "many")
    return "5,000 files"


def _not_utf8(t: Tree, env: str, r: random.Random) -> str:
    t.files[f"overlays/{env}/latin.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n".encode("latin-1")
    )
    t.add_entry(env, "latin.yaml")
    return f"overlays/{env}/latin.yaml"


def _bom_crlf(t: Tree, env: str, r: random.Random) -> str:
    rel = f"overlays/{env}/kustomization.yaml"
    text = t.kustomization(env).replace("\n", "\r\n")
    t.files[rel] = ("\ufeff" if r.random() < 0.5 else "").encode() + text.encode()
    return rel


REMOTE_FORMS = (
    "github.com/acme/app//deploy?ref=v1.0.0",
    "https://raw.githubusercontent.com/acme/app/v1.0.0/deploy.yaml",
    "git::https://gitlab.com/acme/app.git//deploy?ref=v1.0.0",
    "git@github.com:acme/app.git//deploy?ref=v1.0.0",
    "ssh://git@bitbucket.org/acme/app.git//deploy?ref=v1.0.0",
)


def _remote(t: Tree, env: str, r: random.Random) -> str:
    form = r.choice(REMOTE_FORMS)
    t.add_entry(env, form)
    return form


def _remote_chart(t: Tree, env: str, r: random.Random) -> str:
    repo = r.choice(("oci://ghcr.io/acme/charts", "https://charts.example.com"))
    t.text(
        f"overlays/{env}/kustomization.yaml",
        t.kustomization(env) + f"helmCharts:\n- name: web\n  repo: {repo}\n  version: 1.0.0\n",
    )
    return repo


def _component_kustomization(t: Tree, env: str, r: random.Random) -> str:
    t.text("extra/kustomization.yaml", "resources: []\n")
    t.add_entry(env, "../../extra", "components")
    return "extra/kustomization.yaml"


def _two_files(t: Tree, env: str, r: random.Random) -> str:
    t.text(f"overlays/{env}/kustomization.yml", "resources:\n- ../../base\n")
    return "kustomization.yml"


def _out_of_repo(t: Tree, env: str, r: random.Random) -> str:
    entry = r.choice(("../../../shared", "../../../../../..", "/etc/kubernetes"))
    t.add_entry(env, entry)
    return entry


def _json_kustomization(t: Tree, env: str, r: random.Random) -> str:
    t.text(f"overlays/{env}/kustomization.yaml", '{"resources": ["../../base"]}\n')
    return f"overlays/{env}/kustomization.yaml"


def _trailing_documents(t: Tree, env: str, r: random.Random) -> str:
    t.text(f"overlays/{env}/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n---\n---\n")
    t.add_entry(env, "cm.yaml")
    return f"overlays/{env}/cm.yaml"


# dates the resolver of YAML 1.1 reads as timestamps that are no day: Go's YAML (kubectl's,
# helm's) keeps each a string; a constructor that builds a date of it raises
IMPOSSIBLE_DATES = ("2024-02-30", "0000-00-00", "2023-13-01")


def _impossible_date(t: Tree, env: str, r: random.Random) -> str:
    date = r.choice(IMPOSSIBLE_DATES)
    t.text(
        f"overlays/{env}/build.yaml",
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: build\n  annotations:\n    built: {date}\n"
        f"data:\n  built: {date}\n",
    )
    t.add_entry(env, "build.yaml")
    return f"overlays/{env}/build.yaml"


def _top_level_list(t: Tree, env: str, r: random.Random) -> str:
    t.text(f"overlays/{env}/list.yaml", "- a\n- b\n")
    t.add_entry(env, "list.yaml")
    return f"overlays/{env}/list.yaml"


def _image_mapping(t: Tree, env: str, r: random.Random) -> str:
    t.text(
        f"overlays/{env}/patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: app\n        image: {}\n",
    )
    t.add_entry(env, "path: patch.yaml", "patches")
    return f"overlays/{env}/patch.yaml"


def _flow_kustomization(t: Tree, env: str, r: random.Random) -> str:
    t.text(
        f"overlays/{env}/kustomization.yaml",
        "{resources: [../../base], images: [{name: " + t.image + ", newTag: 1.0.0}]}\n",
    )
    return f"overlays/{env}/kustomization.yaml"


_source = app_of_apps.source


def _yielded(name: str, env: str, source: str) -> str:
    return "---\n" + app_of_apps.APPLICATION.format(name=name, source=source, namespace=env)


def _app_of_apps(t: Tree, env: str, source: str, template: str = "", values: str = "") -> str:
    """``env`` deployed by an app of apps: its path the root Application ``roots/<env>.yaml``,
    whose chart ``apps-<env>`` yields the Application ``app-<env>`` of ``source`` (and
    ``template``, more of the chart's templates). Returns the chart's directory."""
    chart = f"apps-{env}"
    t.text(f"roots/{env}.yaml", app_of_apps.root(chart, f"root-{env}"))
    t.text(f"{chart}/Chart.yaml", f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n")
    t.text(f"{chart}/values.yaml", values or "replicas: 1\n")
    t.text(
        f"{chart}/templates/applications.yaml",
        template or _yielded(f"app-{env}", env, source),
    )
    t.paths[env] = f"roots/{env}.yaml"
    return chart


def _yields_overlay(t: Tree, env: str, r: random.Random) -> str:
    _app_of_apps(t, env, _source(f"overlays/{env}"))
    return f"roots/{env}.yaml"


def _yields_root(t: Tree, env: str, r: random.Random) -> str:
    _app_of_apps(t, env, _source(f"apps-{env}"))
    return f"app-{env} renders apps-{env}, which root-{env} (roots/{env}.yaml) renders already: a loop"


def _holds_itself(t: Tree, env: str, r: random.Random) -> str:
    t.text(f"roots/{env}/root.yaml", app_of_apps.root(f"roots/{env}", f"root-{env}"))
    t.paths[env] = f"roots/{env}/root.yaml"
    return "itself"


def _yields_other_repository(t: Tree, env: str, r: random.Random) -> str:
    repo = r.choice(("https://github.com/acme/other.git", "git@gitlab.com:acme/other.git"))
    _app_of_apps(t, env, _source(f"overlays/{env}", repo))
    return repo


def _yields_remote_chart(t: Tree, env: str, r: random.Random) -> str:
    repo = r.choice(("oci://ghcr.io/acme/charts", "https://charts.example.com", "ghcr.io/acme/charts"))
    source = f"    repoURL: {repo}\n    chart: web\n    targetRevision: 1.0.0"
    _app_of_apps(t, env, source)
    return repo


def _yields_path_out(t: Tree, env: str, r: random.Random) -> str:
    path = r.choice(("../../outside", "/etc/kubernetes", "overlays/missing"))
    _app_of_apps(t, env, _source(path))
    return path


def _root_fails_helm(t: Tree, env: str, r: random.Random) -> str:
    body, words = r.choice(
        (
            ("{{ nosuchfunction .Values.x }}", 'function "nosuchfunction" not defined'),
            ('x: {{ required "apps.repoURL is required" .Values.repoURL }}', "apps.repoURL is required"),
        )
    )
    text = _yielded(f"app-{env}", env, _source(f"overlays/{env}")) + body + "\n"
    _app_of_apps(t, env, "", text)
    return words


def _yields_many(t: Tree, env: str, r: random.Random) -> str:
    count = r.choice((500, 2_000))
    template = (
        "{{- range $i := until (int .Values.count) }}\n"
        + _yielded("app-{{ $i }}", "n{{ $i }}", _source(f"overlays/{env}"))
        + "{{- end }}\n"
        + _yielded(f"app-{env}", env, _source(f"overlays/{env}"))
    )
    _app_of_apps(t, env, "", template, f"count: {count}\n")
    return f"roots/{env}.yaml"


def _several_in_file(t: Tree, env: str, r: random.Random) -> str:
    _app_of_apps(t, env, _source(f"overlays/{env}"))
    broken = r.choice(("spec: [1, 2]\n", "spec:\n  source: {}\n", "spec:\n  source:\n    path: {{ x }}\n"))
    other = "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: broken\n" + broken
    t.text(f"roots/{env}.yaml", t.files[f"roots/{env}.yaml"].decode() + other)
    return f"roots/{env}.yaml"


def _chart_values(t: Tree, env: str, r: random.Random) -> str:
    """The environment's path a chart's values.yaml (read through its templates); its tag
    given through a YAML anchor, or as the float 1.10 helm renders as 1.1."""
    chart = f"chart-{env}"
    t.text(f"{chart}/Chart.yaml", f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n")
    t.text(
        f"{chart}/templates/deployment.yaml",
        DEPLOYMENT.replace("{image}:1.0.0", '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'),
    )
    if r.random() < 0.5:
        values = f"defaults: &d\n  repository: {t.image}\n  tag: 1.0.0\nimage: *d\n"
    else:
        values = f"image:\n  repository: {t.image}\n  tag: 1.10\n"
    t.text(f"{chart}/values.yaml", values)
    t.paths[env] = f"{chart}/values.yaml"
    t.image_keys = "    helm:\n      repository: image.repository\n      tag: image.tag\n"
    return f"{chart}/values.yaml"


def _chart_helm_refuses(t: Tree, env: str, r: random.Random) -> str:
    """The environment's path an Application over a chart here that helm refuses as the
    Application gives it (a value it requires left out, a function helm has not): Argo CD
    renders nothing of it."""
    chart = f"chart-{env}"
    body, words = r.choice(
        (
            (
                '{{ required "image.pullPolicy is required" .Values.image.pullPolicy }}',
                "image.pullPolicy is required",
            ),
            ("{{ nosuchfunction .Values.image.tag }}", 'function "nosuchfunction" not defined'),
        )
    )
    t.text(f"{chart}/Chart.yaml", f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n")
    template = DEPLOYMENT.replace("{image}:1.0.0", '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"')
    t.text(f"{chart}/templates/deployment.yaml", template + f"        imagePullPolicy: {body}\n")
    t.text(f"{chart}/values.yaml", f"image:\n  repository: {t.image}\n  tag: 1.0.0\n")
    t.text(
        f"apps/{env}.yaml",
        app_of_apps.APPLICATION.format(name=f"app-{env}", source=_source(chart), namespace=env),
    )
    t.paths[env] = f"apps/{env}.yaml"
    t.image_keys = "    helm:\n      repository: image.repository\n      tag: image.tag\n"
    return words


def _yields_remote_base(t: Tree, env: str, r: random.Random) -> str:
    _app_of_apps(t, env, _source(f"overlays/{env}"))
    form = r.choice(REMOTE_FORMS)
    t.add_entry(env, form)
    return form


DEFECTS = {
    d.name: d
    for d in (
        Defect("cycle", _cycle, True),
        Defect("self-reference", _self, True),
        Defect("link-loop-in-overlay", _link_loop, True),
        Defect("link-loop-elsewhere", _loop_elsewhere, False, elsewhere=True),
        Defect("link-out-of-repository", _link_out, True),
        Defect("over-4-mib", _over_bound, True),
        Defect("over-5000-files", _many_files, True),
        Defect("not-utf-8", _not_utf8, True),
        Defect("bom-crlf", _bom_crlf, False),
        Defect("remote-resource", _remote, False),
        Defect("remote-helm-chart", _remote_chart, False),
        Defect("component-is-kustomization", _component_kustomization, True),
        Defect("two-kustomization-files", _two_files, True),
        Defect("path-out-of-repository", _out_of_repo, True),
        Defect("json-kustomization", _json_kustomization, True),
        Defect("trailing-empty-documents", _trailing_documents, False),
        Defect("top-level-list", _top_level_list, True),
        Defect("image-mapping", _image_mapping, True),
        Defect("flow-mapping-kustomization", _flow_kustomization, False),
        Defect("app-of-apps", _yields_overlay, False),
        Defect("app-of-apps-yields-its-root", _yields_root, False, unread=True),
        Defect("app-of-apps-holds-itself", _holds_itself, False, unread=True),
        Defect("app-of-apps-yields-other-repository", _yields_other_repository, False, unread=True),
        Defect("app-of-apps-yields-remote-chart", _yields_remote_chart, False, unread=True),
        Defect("app-of-apps-yields-path-out", _yields_path_out, False, unread=True),
        Defect("app-of-apps-chart-fails-helm", _root_fails_helm, False, unread=True),
        Defect("app-of-apps-yields-many", _yields_many, False),
        Defect("app-of-apps-several-in-file", _several_in_file, False),
        Defect("chart-values-anchor-or-float", _chart_values, False),
        Defect("app-of-apps-remote-base", _yields_remote_base, False),
        Defect("chart-helm-refuses", _chart_helm_refuses, True),
        Defect("impossible-date", _impossible_date, False),
    )
}
# drawn less often: thousands of files to write and commit
RARE = {"over-5000-files": 0.15, "over-4-mib": 0.5, "app-of-apps-yields-many": 0.3}


def draw(seed: int, names: tuple[str, ...] | None = None) -> list[tuple[Defect, str]]:
    """The seed's defects (one to three, ``names`` to choose among), each with its environment
    (two defects never share one: each environment's line names its own)."""
    r = random.Random(seed)
    pool = [DEFECTS[n] for n in (names or tuple(DEFECTS))]
    weights = [RARE.get(d.name, 1.0) for d in pool]
    chosen: list[tuple[Defect, str]] = []
    free = ["dev", "prod"]
    for _ in range(r.randint(1, 3)):
        d = r.choices(pool, weights)[0]
        if d.elsewhere:
            if all(c[0] is not d for c in chosen):
                chosen.append((d, ""))
        elif free:
            chosen.append((d, free.pop(r.randrange(len(free)))))
    return chosen


def build(
    seed: int, image: str, root: Path, names: tuple[str, ...] | None = None
) -> tuple[Path, list[Placed]]:
    """The seed's repository as a bare origin under ``root`` (``root/origin.git``; what lies
    outside it in ``root/outside``), and its defects as placed."""
    t = Tree(image)
    t.text("base/kustomization.yaml", "resources:\n- deployment.yaml\n")
    t.text("base/deployment.yaml", DEPLOYMENT.format(image=image))
    for env in ENVIRONMENTS:
        t.text(f"overlays/{env}/kustomization.yaml", "resources:\n- ../../base\n")
    r = random.Random(seed * 7919 + 1)
    placed = [Placed(d, "" if d.elsewhere else env, d.make(t, env, r)) for d, env in draw(seed, names)]
    envs = "".join(
        f"  - name: {n}\n    path: {t.paths.get(n, f'overlays/{n}')}\n    write: commit\n"
        for n in ENVIRONMENTS
    )
    t.text(
        "gitops-bot.yaml",
        f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\n{t.image_keys}"
        f"environments:\n{envs}",
    )
    seed_dir = root / "seed"
    for rel, data in t.files.items():
        (seed_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (seed_dir / rel).write_bytes(data)
    for rel, data in t.outside.items():
        (root / "outside" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "outside" / rel).write_bytes(data)
    for rel, target in t.links.items():
        (seed_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, seed_dir / rel)
    write(seed_dir, {})
    git(seed_dir, "init", "-q", "-b", "main")
    commit(seed_dir, f"generated broken repository, seed {seed}")
    origin = root / "origin.git"
    git(root, "clone", "-q", "--bare", str(seed_dir), str(origin))
    return origin, placed

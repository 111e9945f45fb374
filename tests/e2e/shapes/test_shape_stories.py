"""A story per shape of the repositories users bring, on GitHub and on Gitea: the image set in a patch inside the overlay, an overlay rendering more than its
directory, Helm values in layers, the environment as an Argo CD Application or a Flux object.

Each tree is a small fixture under tests/data/shapes/ (modelled on the public repositories of
tests/data/repos, sources in its README), configured as a newcomer would: staging and
production by their paths, the image named as the manifests write it. For each shape:

- ``plan`` reads staging as its deploy tool renders it (where the version is set, or why no
  release can be written there, with the fix);
- ``update`` opens one pull request whose only change is the expected byte-exact edit of the
  expected file (the environment's own layer when the version was inherited); a second run
  changes nothing;
- ``promote staging production`` gives production its own pin of staging's digest, editing
  only production's file; a second run changes nothing;
- after a second build released and promoted the same way, ``rollback production --to`` the
  first promotion restores production's file as that promotion wrote it; a second run changes
  nothing (and, apart, an environment's very first release rolls back to what it rendered
  before);
- after each merge, the real ``kubectl kustomize`` or ``helm template`` (the way the deploy tool
  calls it) renders only the target environment differently.

A Helm parameter of an Application is edited in place, as Argo CD passes it to ``helm
template`` last (``--set``); an ApplicationSet's list element holding an environment's tag, which
its template's parameter takes, is edited in place in that element. A Flux Kustomization's
``spec.images`` entry is edited in place, as kustomize-controller applies it after the build."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot.cli import main
from testkit import kubetools
from testkit.forge_story import Story, run, stories
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

DATA = Path(__file__).resolve().parents[2] / "data" / "shapes"
PLACEHOLDER = "IMAGE"  # the fixtures' image, replaced by the story's image in its registry
ENVS = ("staging", "production")

CONFIG = """version: 1
images:
  - name: {image}
    repository: {image}
    range: "^1"{helm}
environments:
  - name: staging
    path: {staging}
  - name: production
    path: {production}
    promote_from: staging
"""
HELM = "\n    helm: {repository: image.repository, tag: image.tag}"

# The chart repository an Application takes its chart from, and the chart it serves (as Argo CD
# would pull it: the bot never does)
REMOTE_CHART = ("https://charts.example.com", DATA / "argocd-helm-inline-values" / "chart")

# How a release is written, given the file before, the image, the tag and the digest.
Edit = Callable[[str, str, str, str], str]


def in_place(old: str, new: str) -> Edit:
    """The version in place: ``old`` (with {image}) becomes ``new`` (with {image} {tag} {digest})."""

    def edit(text: str, image: str, tag: str, digest: str) -> str:
        before = old.format(image=image)
        assert text.count(before) == 1, (before, text)
        return text.replace(before, new.format(image=image, tag=tag, digest=digest))

    return edit


def appended(entry: str) -> Edit:
    """The environment's own layer gains ``entry`` (with {image} {tag} {digest}) at its end."""

    def edit(text: str, image: str, tag: str, digest: str) -> str:
        return text + entry.format(image=image, tag=tag, digest=digest)

    return edit


IMAGES_ENTRY = appended("images:\n- name: {image}\n  newTag: {tag}\n  digest: {digest}\n")
# in a kustomization whose lists are indented, the entry is too
IMAGES_ENTRY_INDENTED = appended("images:\n  - name: {image}\n    newTag: {tag}\n    digest: {digest}\n")
CONTAINER = in_place("image: {image}:1.0.0", "image: {image}:{tag}@{digest}")
VALUE_TAG = in_place('tag: "1.0.0"', 'tag: "{tag}"')
ARGOCD_ENTRY = in_place("- {image}:1.0.0", "- {image}:{tag}@{digest}")


@dataclass(frozen=True)
class Shape:
    id: str
    paths: tuple[str, str]  # staging's and production's path in gitops-bot.yaml
    status: str  # staging's reading before any release
    effective: str  # staging's effective pin's file before any release ({env})
    writes: str  # the file a release for an environment edits ({env}); "" when unsupported
    edit: Edit | None
    render: str  # how the deploy tool renders an environment (see _render)
    helm: bool = False
    # the reader may refuse an inherited Helm value instead of writing it, if it says so with the fix
    or_said: bool = False
    # several environments' places in one file: the edit of one environment's (see _element)
    own: Callable[[str], Edit] | None = None
    # read with the real kubectl and helm found (the marked render), as on a runner that has them
    tools: bool = False


SHAPES = [
    # (2) the image set in a patch inside the overlay
    Shape(
        "patch-path",
        ("overlays/staging", "overlays/production"),
        "pinned",
        "overlays/{env}/deployment-patch.yaml",
        "overlays/{env}/deployment-patch.yaml",
        CONTAINER,
        "kustomize overlays/{env}",
    ),
    Shape(
        "patch-inline",
        ("overlays/staging", "overlays/production"),
        "pinned",
        "overlays/{env}/kustomization.yaml",
        "overlays/{env}/kustomization.yaml",
        IMAGES_ENTRY,
        "kustomize overlays/{env}",
    ),
    Shape(
        "patches-strategic-merge",
        ("envs/staging", "envs/production"),
        "pinned",
        "envs/{env}/version.yml",
        "envs/{env}/version.yml",
        CONTAINER,
        "kustomize envs/{env}",
    ),
    Shape(
        "json6902",
        ("stages/staging", "stages/production"),
        "pinned",
        "stages/{env}/patch-image.yaml",
        "stages/{env}/kustomization.yaml",
        IMAGES_ENTRY_INDENTED,
        "kustomize stages/{env}",
    ),
    Shape(
        "json6902-container",
        ("overlays/staging", "overlays/production"),
        "pinned",
        "overlays/{env}/container.yaml",
        "overlays/{env}/kustomization.yaml",
        IMAGES_ENTRY,
        "kustomize overlays/{env}",
    ),
    # (3) an overlay rendering more than its directory
    Shape(
        "other-directories",
        ("overlays/staging", "overlays/production"),
        "pinned",
        "apps/{env}/deployment.yml",
        "apps/{env}/deployment.yml",
        CONTAINER,
        "kustomize overlays/{env}",
    ),
    Shape(
        "components",
        ("envs/staging", "envs/production"),
        "inherited",
        "components/app/deployment.yml",
        "envs/{env}/kustomization.yml",
        IMAGES_ENTRY,
        "kustomize envs/{env}",
    ),
    Shape(
        "nested-directories",
        ("clusters/staging", "clusters/production"),
        "pinned",
        "clusters/{env}/apps/backend/deployment.yml",
        "clusters/{env}/apps/backend/deployment.yml",
        CONTAINER,
        "flux-directory clusters/{env}",
    ),
    # (4) Helm values in layers
    Shape(
        "values-side-by-side-common",
        ("values", "values"),
        "inherited",
        "values/values.yaml",
        "values/values-{env}.yaml",
        appended("image:\n  repository: {image}\n  tag: {tag}\n"),
        "helm chart values/values.yaml values/values-{env}.yaml",
        helm=True,
    ),
    Shape(
        "values-side-by-side-own",
        ("values", "values"),
        "pinned",
        "values/values-{env}.yaml",
        "values/values-{env}.yaml",
        VALUE_TAG,
        "helm chart values/values.yaml values/values-{env}.yaml",
        helm=True,
    ),
    # (5) the environment as an Argo CD Application or a Flux object
    Shape(
        "argocd-source-path",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "inherited",
        "base/deployment.yml",
        "overlays/{env}/kustomization.yaml",
        IMAGES_ENTRY,
        "kustomize overlays/{env}",
    ),
    Shape(
        "argocd-kustomize-images",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "argocd/{env}.yaml",
        "argocd/{env}.yaml",
        ARGOCD_ENTRY,
        "argocd argocd/{env}.yaml",
    ),
    # one base for both, each Application's own entry the pin, proven by Argo CD's build
    Shape(
        "argocd-kustomize-shared-base",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "argocd/{env}.yaml",
        "argocd/{env}.yaml",
        ARGOCD_ENTRY,
        "argocd argocd/{env}.yaml",
        tools=True,
    ),
    # the write-back file Argo CD merges over each Application's source: its entry runs and is the pin
    Shape(
        "argocd-source-file",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "base/.argocd-source-simple-app-{env}.yaml",
        "base/.argocd-source-simple-app-{env}.yaml",
        ARGOCD_ENTRY,
        "argocd argocd/{env}.yaml",
    ),
    Shape(
        "argocd-helm-value-files",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "chart/values-{env}.yaml",
        "chart/values-{env}.yaml",
        VALUE_TAG,
        "helm chart chart/values-{env}.yaml",
        helm=True,
    ),
    Shape(
        "argocd-applicationset-values",
        ("envs/staging/values.yaml", "envs/production/values.yaml"),
        "pinned",
        "envs/{env}/values.yaml",
        "envs/{env}/values.yaml",
        VALUE_TAG,
        "helm chart envs/{env}/values.yaml",
        helm=True,
    ),
    Shape(
        "argocd-helm-value-files-inherited",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "inherited",
        "chart/values.yaml",
        "chart/values-{env}.yaml",
        appended("image:\n  repository: {image}\n  tag: {tag}\n"),
        "helm chart chart/values-{env}.yaml",
        helm=True,
    ),
    Shape(
        "argocd-directory-recurse",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "envs/{env}/apps/backend/deployment.yml",
        "envs/{env}/apps/backend/deployment.yml",
        CONTAINER,
        "flux-directory envs/{env}",  # Argo CD's directory.recurse reads the same files
    ),
    Shape(
        "argocd-helm-parameters",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "argocd/{env}.yaml",
        "argocd/{env}.yaml",
        in_place('value: "1.0.0"', 'value: "{tag}"'),
        "argocd argocd/{env}.yaml",
        helm=True,
    ),
    Shape(
        "argocd-helm-inline-values",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "argocd/{env}.yaml",
        "argocd/{env}.yaml",
        VALUE_TAG,
        "argocd argocd/{env}.yaml",
        helm=True,
    ),
    Shape(
        "argocd-remote-chart-values",
        ("argocd/staging.yaml", "argocd/production.yaml"),
        "pinned",
        "envs/{env}/values.yaml",
        "envs/{env}/values.yaml",
        VALUE_TAG,
        "argocd argocd/{env}.yaml",
        helm=True,
    ),
    Shape(
        "argocd-several-applications",
        ("argocd/applications.yaml", "argocd/applications.yaml"),
        "pinned",
        "argocd/applications.yaml",
        "argocd/applications.yaml",
        None,  # the environment's own document's entry: checked by _own_document
        "argocd argocd/applications.yaml",
    ),
    Shape(
        "flux-kustomization",
        ("clusters/staging/apps.yaml", "clusters/production/apps.yaml"),
        "inherited",
        "base/deployment.yml",
        "overlays/{env}/kustomization.yaml",
        IMAGES_ENTRY,
        "kustomize overlays/{env}",
    ),
    Shape(
        "flux-kustomization-images",
        ("clusters/staging/apps.yaml", "clusters/production/apps.yaml"),
        "pinned",
        "clusters/{env}/apps.yaml",
        "clusters/{env}/apps.yaml",
        in_place(
            "  - name: {image}\n    newTag: 1.0.0\n",
            "  - name: {image}\n    newTag: {tag}\n    digest: {digest}\n",
        ),
        "flux-images clusters/{env}/apps.yaml",
    ),
    Shape(
        "flux-helmrelease",
        ("apps/staging/simple-app.yaml", "apps/production/simple-app.yaml"),
        "pinned",
        "apps/{env}/simple-app.yaml",
        "apps/{env}/simple-app.yaml",
        VALUE_TAG,
        "helmrelease apps/{env}/simple-app.yaml",
        helm=True,
    ),
]

# (5) a chart whose template writes the image whole, its other lines YAML only once rendered:
# the line is the pin where helm renders it (a marked render proves it), written in place
SHAPES.append(
    Shape(
        "chart-template-literal",
        ("charts/staging", "charts/production"),
        "pinned",
        "charts/{env}/templates/deployment.yaml",
        "charts/{env}/templates/deployment.yaml",
        CONTAINER,
        "helm charts/{env}",
        tools=True,
    )
)
SHAPES.append(
    Shape(
        "flux-helmrelease-inherited",
        ("apps/staging/simple-app.yaml", "apps/production/simple-app.yaml"),
        "inherited",
        "charts/simple-app/values.yaml",
        "apps/{env}/simple-app.yaml",
        appended("    image:\n      repository: {image}\n      tag: {tag}\n"),
        "helmrelease apps/{env}/simple-app.yaml",
        helm=True,
        or_said=True,
    )
)


def _element(env: str) -> Edit:
    """An ApplicationSet's list element of ``env``: its tag, whatever it is, becomes the release's."""

    def edit(text: str, image: str, tag: str, digest: str) -> str:
        pattern = re.compile(rf'(- env: {env}\n        tag: )"[^"]*"')
        assert len(pattern.findall(text)) == 1, text
        return pattern.sub(rf'\g<1>"{tag}"', text)

    return edit


SHAPES.append(
    Shape(
        "applicationset-list-elements",
        ("argocd/simple-app.yaml", "argocd/simple-app.yaml"),
        "pinned",
        "argocd/simple-app.yaml",
        "argocd/simple-app.yaml",
        None,
        "appset argocd/simple-app.yaml",
        helm=True,
        own=_element,
    )
)


def _cases() -> list[Any]:
    return [
        pytest.param((shape, forge), id=f"{shape.id}-{forge}")
        for shape in SHAPES
        for forge in ("github", "gitea")
    ]


def _tree(shape: Shape, image: str) -> dict[str, str]:
    """The fixture's files with the story's image."""
    root = DATA / shape.id
    return {
        p.relative_to(root).as_posix(): p.read_text().replace(PLACEHOLDER, image)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def world(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Story, Shape, str]]:
    shape, forge = request.param
    if shape.tools:
        monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubetools.kubectl())
        monkeypatch.setenv("GITOPS_BOT_HELM", kubetools.helm())
    for s in stories(forge, tmp_path, registry, monkeypatch):
        image = f"{registry.host}/{s.world.ns}/app"
        config = CONFIG.format(
            image=image, helm=HELM if shape.helm else "", staging=shape.paths[0], production=shape.paths[1]
        )
        _seed(s, config, _tree(shape, image))
        yield s, shape, image


def _seed(story: Story, config: str, tree: dict[str, str]) -> None:
    """One commit on main replacing the world's example tree with the shape's: its
    gitops-bot.yaml keeps the world's forge sections after ``config``. Written into the remote
    by one ``git fast-import`` (a person's commit as a clone, ``rm``, ``add``, ``commit`` and
    ``push`` would make it, a dozen git processes fewer)."""
    text = story.show("gitops-bot.yaml")
    files = {"gitops-bot.yaml": config + text[text.index("pull_request:") :] + "\n", **tree}
    stream = [b"commit refs/heads/main\ncommitter dev <dev@example.com> now\ndata 7\nby hand\n"]
    stream.append(b"from refs/heads/main^0\ndeleteall\n")
    for name, content in files.items():
        data = content.encode()
        stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(data), data))
    subprocess.run(
        ["git", "-C", str(story.remote), "fast-import", "--quiet", "--date-format=now"],
        input=b"".join(stream),
        check=True,
        capture_output=True,
    )


# -- what the story reads ---------------------------------------------------------------------


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}


def _reading(capsys: pytest.CaptureFixture[str], story: Story, env: str) -> dict[str, Any]:
    """``plan --output json``'s reading of the one image in ``env``, on a checkout of main."""
    code = main(["plan", "--repo", str(story.checkout()), "--output", "json"])
    out, err = capsys.readouterr()
    # 2: no environment pins the image, a refusal whose document carries the reading too
    assert code in (0, 2), err
    reading: dict[str, Any] = next(r for r in json.loads(out)["reading"] if r["environment"] == env)
    return reading


def _merge_only_request(story: Story) -> str:
    (request,) = story.open_requests()
    story.merge(request["number"])
    return str(request["body"])


def _checkout_at(story: Story, ref: str) -> Path:
    """The files of commit ``ref``, as the deploy tool reads them (no ``.git``: the renders
    copy the tree without it): one ``git archive``, where a clone and a checkout were two
    git processes and a repository's worth of writes."""
    tree = story.tmp / f"render-{ref[:12]}"
    if not tree.exists():
        archive = subprocess.run(
            ["git", "-C", str(story.remote), "archive", "--format=tar", ref], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
    return tree


def _tool(*argv: str) -> str:
    return subprocess.run(
        list(argv), check=True, capture_output=True, text=True, env=kubetools.judge_env()
    ).stdout


def _kustomize_with_images(tree: Path, directory: Path, entries: list[str]) -> str:
    """What Argo CD renders for an Application's ``kustomize.images``: ``kustomize edit set
    image ENTRY`` in a copy of its path, then the build; each entry written as the images:
    entry that command writes (NAME[=NEW][:TAG][@DIGEST])."""
    work = tree.parent / f"{tree.name}-argocd"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(tree, work, ignore=shutil.ignore_patterns(".git"))
    target = work / directory.relative_to(tree)
    lines = ["images:"]
    for entry in entries:
        name, _, ref = entry.partition("=")
        ref = ref or name
        ref, _, digest = ref.partition("@")
        slash = ref.rfind("/")
        colon = ref.rfind(":")
        new, tag = (ref[:colon], ref[colon + 1 :]) if colon > slash else (ref, "")
        if "=" not in entry:
            name = new
        lines.append(f"- name: {name}")
        if new != name:
            lines.append(f"  newName: {new}")
        if tag:
            lines.append(f"  newTag: {tag}")
        if digest:
            lines.append(f"  digest: {digest}")
    kfile = target / "kustomization.yaml"
    assert "images:" not in kfile.read_text()
    kfile.write_text(kfile.read_text() + "\n".join(lines) + "\n")
    return _tool(kubetools.kubectl(), "kustomize", str(target))


def _flux_with_images(tree: Path, spec: dict[str, Any]) -> str:
    """What kustomize-controller builds for a Kustomization with ``spec.images``: each entry
    replaces the entry of its name in the kustomization at ``spec.path``, or is added after
    them (fluxcd/pkg kustomize generator), then the build."""
    work = tree.parent / f"{tree.name}-flux-images"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(tree, work, ignore=shutil.ignore_patterns(".git"))
    kfile = work / spec["path"] / "kustomization.yaml"
    kustomization = yaml.safe_load(kfile.read_text())
    entries = kustomization.setdefault("images", [])
    for image in spec.get("images", []):
        at = next((i for i, e in enumerate(entries) if e["name"] == image["name"]), None)
        if at is None:
            entries.append(image)
        else:
            entries[at] = image
    kfile.write_text(yaml.safe_dump(kustomization))
    return _tool(kubetools.kubectl(), "kustomize", str(kfile.parent))


def _render(shape: Shape, tree: Path, env: str) -> str:
    """``env`` at ``tree`` as its deploy tool renders it, by the real kubectl or helm."""
    how, *args = shape.render.format(env=env).split()
    if how == "kustomize":
        return _tool(kubetools.kubectl(), "kustomize", str(tree / args[0]))
    if how == "helm":
        layers = [a for v in args[1:] for a in ("-f", str(tree / v))]
        return _tool(kubetools.helm(), "template", "simple-app", str(tree / args[0]), *layers)
    if how == "helmrelease":  # Flux's helm-controller: the chart with spec.values
        release = yaml.safe_load((tree / args[0]).read_text())
        values = tree.parent / f"{tree.name}-{env}-values.yaml"
        values.write_text(yaml.safe_dump(release["spec"]["values"]))
        chart = tree / release["spec"]["chart"]["spec"]["chart"]
        return _tool(kubetools.helm(), "template", "simple-app", str(chart), "-f", str(values))
    if how == "flux-images":  # kustomize-controller: spec.images over the kustomization at spec.path
        return _flux_with_images(tree, yaml.safe_load((tree / args[0]).read_text())["spec"])
    if how == "flux-directory":  # kustomize-controller: a kustomization generated over the files
        work = tree.parent / f"{tree.name}-flux-{env}"
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(tree / args[0], work)
        files = sorted(p.relative_to(work).as_posix() for p in work.rglob("*.y*ml"))
        (work / "kustomization.yaml").write_text("resources:\n" + "".join(f"- {f}\n" for f in files))
        return _tool(kubetools.kubectl(), "kustomize", str(work))
    if how == "appset":  # Argo CD's list generator: the element of env fills the template
        return _appset(tree, args[0], env)
    assert how == "argocd", how
    (app,) = [
        d
        for d in yaml.safe_load_all((tree / args[0]).read_text())
        if d and d["metadata"]["name"] == f"simple-app-{env}"
    ]
    if "sources" in app["spec"]:  # a chart from its chart repository, value files from this one
        chart_source, lent = app["spec"]["sources"]
        assert chart_source["repoURL"] == REMOTE_CHART[0] and chart_source["chart"] == "simple-app", (
            chart_source
        )
        ref = f"${lent['ref']}/"
        layers = [
            a for v in chart_source["helm"]["valueFiles"] for a in ("-f", str(tree / v.removeprefix(ref)))
        ]
        return _tool(kubetools.helm(), "template", app["metadata"]["name"], str(REMOTE_CHART[1]), *layers)
    source = app["spec"]["source"]
    if "helm" in source:  # Argo CD's helm template: its value files, then its own values, then
        # each parameter a --set (--set-string if forced)
        helm, chart = source["helm"], tree / source["path"]
        layers = [a for v in helm.get("valueFiles", []) for a in ("-f", str(chart / v))]
        own = helm.get("valuesObject") or helm.get("values")
        if own:
            written = tree.parent / f"{tree.name}-{env}-own-values.yaml"
            written.write_text(own if isinstance(own, str) else yaml.safe_dump(own))
            layers += ["-f", str(written)]
        sets = [
            a
            for p in helm.get("parameters", [])
            for a in ("--set-string" if p.get("forceString") else "--set", f"{p['name']}={p['value']}")
        ]
        return _tool(kubetools.helm(), "template", app["metadata"]["name"], str(chart), *layers, *sets)
    images = source.get("kustomize", {}).get("images", [])
    for name in (".argocd-source.yaml", f".argocd-source-{app['metadata']['name']}.yaml"):
        # Argo CD's repo server merges these over the source: a list set there replaces the source's
        merged = tree / source["path"] / name
        images = (
            (yaml.safe_load(merged.read_text()) or {}).get("kustomize", {}).get("images", images)
            if merged.is_file()
            else images
        )
    return _kustomize_with_images(tree, tree / source["path"], images)


def _appset(tree: Path, rel: str, env: str) -> str:
    """What Argo CD renders for the Application an ApplicationSet's list element of ``env``
    generates: the template's ``{{key}}`` filled from that element, each helm parameter a --set."""
    (appset,) = yaml.safe_load_all((tree / rel).read_text())
    (element,) = [e for e in appset["spec"]["generators"][0]["list"]["elements"] if e["env"] == env]
    source = appset["spec"]["template"]["spec"]["source"]
    field = re.compile(r"{{(\w+)}}")
    sets = [
        a
        for p in source["helm"]["parameters"]
        for a in ("--set", p["name"] + "=" + field.sub(lambda m: str(element[m[1]]), p["value"]))
    ]
    return _tool(kubetools.helm(), "template", f"simple-app-{env}", str(tree / source["path"]), *sets)


# (story's folder, commit) -> its renders: a story asks the same commit again (the commit a
# release merged is the one it checks after, and the next release's "before"); a commit's tree
# is fixed, so the real tools run once a commit (5 of a story's 9 asks)
_RENDERED: dict[tuple[Path, str], dict[str, str]] = {}


def _renders(shape: Shape, story: Story, ref: str) -> dict[str, str]:
    assert len(ref) == 40, ref  # a commit id (rev-parse's), never a branch that moves
    key = (story.tmp, ref)
    if key not in _RENDERED:
        tree = _checkout_at(story, ref)
        _RENDERED[key] = {env: _render(shape, tree, env) for env in ENVS}
    return _RENDERED[key]


def _own_document(text: str, env: str, image: str, tag: str, digest: str) -> str:
    """Several Applications in one file: the entry of ``env``'s own Application, written in place."""
    head, sep, tail = text.partition("---\n")
    old, new = f"- {image}:1.0.0", f"- {image}:{tag}@{digest}"
    if env == "staging":
        assert head.count(old) == 1
        return head.replace(old, new) + sep + tail
    assert tail.count(old) == 1
    return head + sep + tail.replace(old, new)


def _expected(shape: Shape, text: str, env: str, image: str, tag: str, digest: str) -> str:
    if shape.own is not None:
        return shape.own(env)(text, image, tag, digest)
    if shape.edit is None:
        return _own_document(text, env, image, tag, digest)
    return shape.edit(text, image, tag, digest)


# -- the story -----------------------------------------------------------------------------


def _released(
    capsys: pytest.CaptureFixture[str],
    story: Story,
    shape: Shape,
    now: datetime,
    argv: tuple[str, ...],
    env: str,
    expect: Callable[[str], str],
) -> tuple[str, dict[str, Any], str]:
    """Run ``argv``: one pull request, whose merge edits exactly ``env``'s file as ``expect``
    says; only ``env``'s render changes; running it again changes nothing. The pull request's
    body, the first run's JSON and the commit after."""
    before_ref = git(story.remote, "rev-parse", "main")
    before = story.files()
    result = run(capsys, story, now, *argv)
    body = _merge_only_request(story)
    after_ref = git(story.remote, "rev-parse", "main")
    after = story.files()
    target = shape.writes.format(env=env)
    changed = _changed(before, after) - {"gitops-bot.holds.yaml"}
    assert changed == {target}, changed
    assert after[target].decode() == expect(before[target].decode())

    if shape.render:
        old, new = _renders(shape, story, before_ref), _renders(shape, story, after_ref)
        other = next(e for e in ENVS if e != env)
        assert old[other] == new[other], f"{other}'s render changed"
        assert old[env] != new[env], f"{env}'s render did not change"

    # a second run: no request, no commit
    again = run(capsys, story, now, *argv)
    assert not story.open_requests(), again
    assert git(story.remote, "rev-parse", "main") == after_ref
    return body, result, after_ref


@pytest.mark.parametrize("world", _cases(), indirect=True)
def test_a_shape_is_released_promoted_and_rolled_back_in_its_environments_own_place(
    world: tuple[Story, Shape, str], capsys: pytest.CaptureFixture[str]
) -> None:
    story, shape, image = world
    now = datetime.now(UTC)
    digest = story.push("app", "1.1.0")

    staging = _reading(capsys, story, "staging")
    if shape.or_said and staging["status"] == "unsupported":
        _said_and_left(capsys, story, staging)
        return
    assert staging["status"] == shape.status, staging
    effective = [p for p in staging["pins"] if p["effective"]]
    assert {p["file"] for p in effective} == {shape.effective.format(env="staging")}, staging

    if shape.status == "unsupported":
        _said_and_left(capsys, story, staging)
        return
    # where a release goes: the effective place itself, or the environment's own layer
    own = shape.writes.format(env="staging")
    assert (staging["would_write"] or {}).get("file", shape.effective.format(env="staging")) == own, staging
    # update's dry run reads it the same; plan's text says it for an inherited version
    dry = run(capsys, story, now, "update", "--dry-run", "--env", "staging")
    assert next(r for r in dry["reading"] if r["environment"] == "staging") == staging
    assert not story.open_requests()
    if shape.status == "inherited":
        assert main(["plan", "--repo", str(story.checkout())]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert f"{image}: inherited from {shape.effective.format(env='staging')}:" in text, text
        assert own in text, text

    # update: staging's own place, byte-exact
    body, _, released = _released(
        capsys,
        story,
        shape,
        now,
        ("update", "--env", "staging"),
        "staging",
        lambda text: _expected(shape, text, "staging", image, "1.1.0", digest),
    )
    if shape.status == "inherited":
        assert f"pins `{image}` in staging's own layer, `{own}`" in body, body
    if shape.render:
        rendered = _renders(shape, story, released)
        assert f"{image}:1.1.0" in rendered["staging"] and f"{image}:1.0.0" in rendered["production"]

    # promote: production's own pin of staging's digest
    production = _reading(capsys, story, "production")
    assert production["status"] == shape.status, production
    body, result, promoted = _released(
        capsys,
        story,
        shape,
        now,
        ("promote", "staging", "production"),
        "production",
        lambda text: _expected(shape, text, "production", image, "1.1.0", digest),
    )
    (promotion,) = result["results"]
    if shape.status == "inherited":
        assert f"pins `{image}` in production's own layer, `{shape.writes.format(env='production')}`" in body
    if shape.render:
        rendered = _renders(shape, story, promoted)
        assert f"{image}:1.1.0" in rendered["production"]
    promoted_text = story.files()[shape.writes.format(env="production")].decode()

    # a second build goes the same way (what a rollback goes back from)
    story.push("app", "1.2.0")
    for argv, env in (
        (("update", "--env", "staging"), "staging"),
        (("promote", "staging", "production"), "production"),
    ):
        before = story.files()
        run(capsys, story, now, *argv)
        _merge_only_request(story)
        after = story.files()
        assert _changed(before, after) == {shape.writes.format(env=env)}
        assert "1.2.0" in after[shape.writes.format(env=env)].decode()

    # rollback to the first promotion: production's file as that promotion wrote it, byte for byte
    _, _, back = _released(
        capsys,
        story,
        shape,
        now,
        ("rollback", "production", "--to", promotion["release"]),
        "production",
        # several Applications in one file: production's document as promoted, staging's as it is
        lambda text: (
            _expected(shape, text, "production", image, "1.1.0", digest)
            if shape.own is not None
            else promoted_text
            if shape.edit is not None
            else text.partition("---\n")[0] + "---\n" + promoted_text.partition("---\n")[2]
        ),
    )
    if shape.render:
        rendered = _renders(shape, story, back)
        assert f"{image}:1.1.0" in rendered["production"] and f"{image}:1.2.0" in rendered["staging"]


def _said_and_left(capsys: pytest.CaptureFixture[str], story: Story, reading: dict[str, Any]) -> None:
    """A shape no release can be written into: the reading says why and what to do; since no
    environment pins the image, ``plan`` and ``update`` refuse the configuration (exit 2) saying
    it, with the fix, and nothing is pushed."""
    assert reading["reason"] and reading["fix"], reading
    head = git(story.remote, "rev-parse", "main")
    for argv in (["plan", "--repo", str(story.checkout())], ["update", "--repo", f"file://{story.remote}"]):
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 2, (argv, out, err)
        said = " ".join((out + err).split())
        assert reading["reason"].split(";")[0] in said and reading["fix"] in said, said
    assert not story.open_requests()
    assert git(story.remote, "rev-parse", "main") == head


def _first_rollback_cases() -> list[Any]:
    return [
        pytest.param((shape, forge), id=f"{shape.id}-{forge}")
        for shape in SHAPES
        if shape.status != "unsupported"
        for forge in ("github", "gitea")
    ]


@pytest.mark.parametrize("world", _first_rollback_cases(), indirect=True)
def test_an_environments_first_release_rolls_back_to_what_it_rendered_before(
    world: tuple[Story, Shape, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The first promotion into production (its first pin of its own, where it inherited the
    version before) is rolled back: production renders its earlier version again."""
    story, shape, image = world
    now = datetime.now(UTC)
    story.push("app", "1.1.0")
    for argv in (("update", "--env", "staging"), ("promote", "staging", "production")):
        run(capsys, story, now, *argv)
        _merge_only_request(story)
    promoted = git(story.remote, "rev-parse", "main")
    before = story.files()

    run(capsys, story, now, "rollback", "production", "--steps", "1")
    _merge_only_request(story)
    back = git(story.remote, "rev-parse", "main")
    assert _changed(before, story.files()) - {"gitops-bot.holds.yaml"} == {
        shape.writes.format(env="production")
    }
    if shape.render:
        old, new = _renders(shape, story, promoted), _renders(shape, story, back)
        assert old["staging"] == new["staging"]
        assert f"{image}:1.0.0" in new["production"] and f"{image}:1.1.0" not in new["production"]

"""The rendered diff in each pull request: real ``kubectl kustomize`` renders the environment
before and after the edit; the body says which containers' images change, and warns about
every other rendered difference. Rendering never blocks the pull request."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.render.diff import compare
from gitops_bot.render.release_diff import rendered_diff
from gitops_bot.render.settings import RenderSettings
from gitops_bot.render.tools import kustomizations
from testkit import kubetools
from testkit.demo import Stage, stage
from testkit.markup import shown

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: {ns}
spec:
  template:
    metadata:
      labels:
        version: {label}
    spec:
      containers:
      - name: app
        image: {image}
      - name: sidecar
        image: busybox:1
"""


def test_a_changed_image_is_reported_by_container_and_nothing_else() -> None:
    before = (
        DEPLOYMENT.format(ns="dev", label="x", image="reg/app:1.0")
        + "---\nkind: Service\nmetadata: {name: s}\n"
    )
    after = (
        DEPLOYMENT.format(ns="dev", label="x", image="reg/app:1.1")
        + "---\nkind: Service\nmetadata: {name: s}\n"
    )
    r = compare("dev", "overlays/dev", before, after)
    assert r.only_images and r.error is None
    assert r.resources == ("Deployment dev/app (apps/v1)",)
    assert [(i.container, i.before, i.after) for i in r.images] == [
        ("spec.template.spec.containers[app]", "reg/app:1.0", "reg/app:1.1")
    ]


def test_a_label_that_follows_the_tag_is_a_named_difference() -> None:
    before = DEPLOYMENT.format(ns="dev", label="v1", image="reg/app:1.0")
    after = DEPLOYMENT.format(ns="dev", label="v2", image="reg/app:1.1")
    r = compare("dev", "overlays/dev", before, after)
    assert not r.only_images
    assert r.other == ("Deployment dev/app: spec.template.metadata.labels.version: v1 -> v2",)


def test_added_removed_and_unparsable_renders_are_not_hidden() -> None:
    a = DEPLOYMENT.format(ns="dev", label="x", image="a:1")
    b = DEPLOYMENT.format(ns="prod", label="x", image="a:1")
    r = compare("dev", ".", a, b)
    assert r.other == ("Deployment dev/app (apps/v1): removed", "Deployment prod/app (apps/v1): added")
    assert compare("dev", ".", a, "- [not a resource").error is not None


def _settings() -> RenderSettings:
    return RenderSettings(kubectl=kubetools.kubectl(), helm=kubetools.helm(), timeout=60)


def _overlay(tmp_path: Path, extra: str = "") -> tuple[Path, Path, str]:
    (tmp_path / "base").mkdir()
    (tmp_path / "base/deployment.yaml").write_text(DEPLOYMENT.format(ns="x", label="x", image="example/app"))
    (tmp_path / "base/kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    overlay = tmp_path / "overlays/dev"
    overlay.mkdir(parents=True)
    text = (
        "resources: [../../base]\nnamespace: dev\nimages:\n- name: example/app\n"
        "  newName: reg/app\n  newTag: 1.0.0\n" + extra
    )
    (overlay / "kustomization.yaml").write_text(text)
    return tmp_path, overlay / "kustomization.yaml", text


REPLACEMENT = """replacements:
- source: {kind: Deployment, name: app, fieldPath: spec.template.spec.containers.0.image}
  targets:
  - select: {kind: Deployment, name: app}
    fieldPaths: [spec.template.metadata.labels.version]
"""


def test_a_transformer_fed_by_the_tag_gives_a_warning_naming_the_difference(tmp_path: Path) -> None:
    root, kfile, text = _overlay(tmp_path, REPLACEMENT)
    (r,) = rendered_diff(
        _settings(),
        "dev",
        root,
        kustomizations(root, [kfile.parent]),
        {kfile: text},
        {kfile: text.replace("1.0.0", "1.1.0")},
    )
    assert r.error is None and not r.only_images
    assert [(i.before, i.after) for i in r.images] == [("reg/app:1.0.0", "reg/app:1.1.0")]
    assert r.other == (
        "Deployment dev/app: spec.template.metadata.labels.version: reg/app:1.0.0 -> reg/app:1.1.0",
    )
    assert not (kfile.parent / "charts").exists() and kfile.read_text() == text  # rendered elsewhere


def test_a_missing_kubectl_says_not_rendered(tmp_path: Path) -> None:
    root, kfile, text = _overlay(tmp_path)
    settings = RenderSettings(kubectl=str(tmp_path / "no-such-kubectl"))
    (r,) = rendered_diff(settings, "dev", root, [kfile.parent], {kfile: text}, {kfile: text + "# x\n"})
    assert r.error == "kubectl not found" and r.path == "overlays/dev"


def test_a_failing_render_is_reported_with_kustomizes_reason(tmp_path: Path) -> None:
    root, kfile, text = _overlay(tmp_path)
    broken = text.replace("../../base", "../../nowhere")
    (r,) = rendered_diff(_settings(), "dev", root, [kfile.parent], {kfile: text}, {kfile: broken})
    assert r.error is not None and r.error.startswith("kubectl kustomize failed:")
    assert str(tmp_path) not in r.error or "nowhere" in r.error


# A stand-in kubectl that renders only once the other side's render has started too (each side
# leaves a mark; the wait is bounded, so renders run one after the other fail instead of hanging).
OVERLAPPING_KUBECTL = """#!/bin/sh
case "$2" in */before/*) side=before ;; */after/*) side=after ;; *) side=same ;; esac
touch "{marks}/$side"
i=0
while [ ! -e "{marks}/before" ] || [ ! -e "{marks}/after" ]; do
  i=$((i + 1))
  if [ "$i" -gt 100 ]; then echo "the other render never started" >&2; exit 1; fi
  sleep 0.05
done
printf 'kind: ConfigMap\nmetadata: {{name: %s}}\n' "$side"
"""


def test_the_before_and_after_renders_run_at_once(tmp_path: Path) -> None:
    root, kfile, text = _overlay(tmp_path)
    marks = tmp_path / "marks"
    marks.mkdir()
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(OVERLAPPING_KUBECTL.format(marks=marks))
    kubectl.chmod(0o755)
    (r,) = rendered_diff(
        RenderSettings(kubectl=str(kubectl)),
        "dev",
        root,
        [kfile.parent],
        {kfile: text},
        {kfile: text + "# x\n"},
    )
    assert r.error is None, r.error
    # each side rendered its own copy: before's text from the before copy, after's from the after
    assert r.other == ("ConfigMap after (None): added", "ConfigMap before (None): removed")


def test_a_helm_chart_kustomization_is_inflated_with_the_configured_helm(tmp_path: Path) -> None:
    chart = tmp_path / "charts/web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "templates/deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        '      containers:\n      - name: web\n        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
    )
    (tmp_path / "kustomization.yaml").write_text(
        "helmCharts:\n- name: web\n  releaseName: web\n  valuesFile: values.yaml\nhelmGlobals: {chartHome: charts}\n"
    )
    values = tmp_path / "values.yaml"
    text = "image:\n  repository: reg/web\n  tag: v1\n"
    values.write_text(text)
    (r,) = rendered_diff(
        _settings(), "dev", tmp_path, [tmp_path], {values: text}, {values: text.replace("v1", "v2")}
    )
    assert r.error is None, r.error
    assert r.only_images and [(i.before, i.after) for i in r.images] == [("reg/web:v1", "reg/web:v2")]


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    with stage(tmp_path) as st:
        for key, value in st.env.items():
            monkeypatch.setenv(key, value)
        yield st


def test_the_pull_request_shows_what_the_cluster_would_run(
    demo: Stage, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubetools.kubectl())
    assert main(["update", "--repo", str(demo.repo), "--env", "dev", "--dry-run", "--output", "json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    (rendered,) = result["rendered"]
    assert rendered["rendered"] and rendered["only_images"] and rendered["path"] == "overlays/dev"
    assert rendered["resources"] == ["Deployment app-dev/app (apps/v1)"]
    host = demo.registry.host
    pairs = {
        (i["container"], i["before"].split("@")[0], i["after"].split("@")[0]) for i in rendered["images"]
    }
    assert ("spec.template.spec.containers[app]", f"{host}/acme/app:1.2.0", f"{host}/acme/app:1.4.1") in pairs
    assert all("@sha256:" in i["after"] for i in rendered["images"])

    assert (
        main(["plan", "--repo", str(demo.repo), "--env", "dev", "--output", "json", "--rendered-diff"]) == 0
    )
    planned = json.loads(capsys.readouterr().out)["rendered"]
    assert planned == result["rendered"]  # plan --output json carries the same data

    assert main(["update", "--repo", str(demo.repo), "--env", "dev"]) == 0
    (pr,) = demo.gh.open_pulls()
    body = pr["body"]
    assert "<details>" in body and "Rendered output differs only in these images." in body, body
    assert f"`{host}/acme/app:1.2.0` → `{host}/acme/app:1.4.1@sha256:" in body
    tree = subprocess.run(
        ["git", "-C", str(demo.remote), "ls-tree", "-r", "--name-only", pr["head"]["ref"]],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "charts/" not in tree


def test_without_kubectl_the_pull_request_opens_and_says_not_rendered(
    demo: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", "/nonexistent/kubectl")
    assert main(["update", "--repo", str(demo.repo), "--env", "dev"]) == 0
    (pr,) = demo.gh.open_pulls()
    assert "not rendered: kubectl not found" in pr["body"]


def test_plan_renders_the_reading_once_and_an_unchanged_tree_never_again(
    demo: Stage, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """kubectl on PATH (as on every GitHub runner): the reading is held to what kubectl
    kustomize renders of each environment, once per tree's content; a plan of the unchanged
    tree renders nothing, and --rendered-diff's "before" is that kept render (only "after" runs)."""
    calls = tmp_path / "calls"
    wrapper = tmp_path / "kubectl"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {kubetools.kubectl()} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", str(wrapper))

    assert main(["plan", "--repo", str(demo.repo), "--env", "dev", "--output", "json"]) == 0
    assert "rendered" not in json.loads(capsys.readouterr().out)
    first = calls.read_text().count("kustomize")
    assert first >= 1

    assert main(["plan", "--repo", str(demo.repo), "--env", "dev", "--output", "json"]) == 0
    capsys.readouterr()
    assert calls.read_text().count("kustomize") == first

    assert (
        main(["plan", "--repo", str(demo.repo), "--env", "dev", "--output", "json", "--rendered-diff"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["rendered"]
    assert calls.read_text().count("kustomize") > first  # the after side


def _repo(tmp_path: Path, extra: str = "") -> tuple[Path, Path, str]:
    (tmp_path / "repo").mkdir()
    return _overlay(tmp_path / "repo", extra)


def _counting(tmp_path: Path) -> tuple[Path, Path]:
    """A kubectl that notes each render (the directory it was given; of one run rendering
    several, render/joint.py, each directory its wrappers list) and runs the real one."""
    calls = tmp_path / "calls"
    wrapper = tmp_path / "bin/kubectl"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f'#!/bin/sh\ncase "$2" in\n*/joint) cat "$2"/e*/kustomization.yaml | sed -n "s/^- //p" >> {calls} ;;\n'
        f'*) echo "$2" >> {calls} ;;\nesac\nexec {kubetools.kubectl()} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper, calls


def _renders(calls: Path) -> list[str]:
    """The rendered diff's renders, by side; the reading's marked renders of the environments
    (``/marked-N/``, engine/proven.py) are not among them."""
    return (
        ["before" if "/before/" in c else "after" for c in calls.read_text().split() if "/marked-" not in c]
        if calls.exists()
        else []
    )


def test_a_render_is_kept_by_content_so_a_rerun_renders_nothing_and_a_new_release_only_its_after(
    tmp_path: Path,
) -> None:
    root, kfile, text = _repo(tmp_path)
    kubectl, calls = _counting(tmp_path)
    settings = RenderSettings(kubectl=str(kubectl))
    one = {kfile: text.replace("1.0.0", "1.1.0")}
    (first,) = rendered_diff(settings, "dev", root, [kfile.parent], {kfile: text}, one)
    assert sorted(_renders(calls)) == ["after", "before"]
    # the same release again (a watch cycle over the open pull request): nothing is rendered
    (again,) = rendered_diff(settings, "dev", root, [kfile.parent], {kfile: text}, one)
    assert again == first and sorted(_renders(calls)) == ["after", "before"]
    # a newer release at the same base: its "before" is the one already rendered
    two = {kfile: text.replace("1.0.0", "1.2.0")}
    (newer,) = rendered_diff(settings, "dev", root, [kfile.parent], {kfile: text}, two)
    assert sorted(_renders(calls)) == ["after", "after", "before"]
    assert [(i.before, i.after) for i in newer.images] == [("reg/app:1.0.0", "reg/app:1.2.0")]
    # a change anywhere in the tree (the base the overlay reads) is another render
    (root / "base/deployment.yaml").write_text((root / "base/deployment.yaml").read_text() + "# edited\n")
    rendered_diff(settings, "dev", root, [kfile.parent], {kfile: text}, two)
    assert len(_renders(calls)) == 5


def test_a_kustomization_reaching_outside_the_tree_is_never_kept(tmp_path: Path) -> None:
    """A remote base or a Helm chart pulled at render time may change with nothing here
    changing: such a tree is rendered every time."""
    remote = "# see https://kubectl.docs.kubernetes.io/references/kustomize/\n"
    root, kfile, text = _repo(tmp_path, remote)
    kubectl, calls = _counting(tmp_path)
    settings = RenderSettings(kubectl=str(kubectl))
    after = {kfile: text.replace("1.0.0", "1.1.0")}
    for _ in range(2):
        rendered_diff(settings, "dev", root, [kfile.parent], {kfile: text}, after)
    assert len(_renders(calls)) == 4


def test_past_the_size_budget_the_pull_request_says_why_in_one_line_and_kubectl_never_runs(
    tmp_path: Path,
) -> None:
    entries = "".join(f"- name: example/extra{i}\n  newTag: 1.0.{i}\n" for i in range(3))
    root, kfile, text = _repo(tmp_path, entries)
    kubectl, calls = _counting(tmp_path)
    after = {kfile: text.replace("1.0.0", "1.1.0")}
    (r,) = rendered_diff(
        RenderSettings(kubectl=str(kubectl), max_images=3), "dev", root, [kfile.parent], {kfile: text}, after
    )
    assert r.error == (
        "4 images: entries, over render.max_images (3), where kustomize takes seconds to minutes; "
        "see it with 'kubectl kustomize overlays/dev', or raise render.max_images"
    )
    assert _renders(calls) == []
    (ok,) = rendered_diff(
        RenderSettings(kubectl=str(kubectl), max_images=4), "dev", root, [kfile.parent], {kfile: text}, after
    )
    assert ok.error is None and len(_renders(calls)) == 2


def test_past_the_image_matches_budget_the_note_names_entries_and_image_fields(tmp_path: Path) -> None:
    """Kustomize matches every images: entry against every image field of the resources it
    reads (bases included): one entry over a base of two containers is two matches."""
    root, kfile, text = _repo(tmp_path)
    kubectl, calls = _counting(tmp_path)
    after = {kfile: text.replace("1.0.0", "1.1.0")}
    (r,) = rendered_diff(
        RenderSettings(kubectl=str(kubectl), max_image_matches=1),
        "dev",
        root,
        [kfile.parent],
        {kfile: text},
        after,
    )
    assert r.error == (
        "1 images: entries and 2 image fields (2 matches), over render.max_image_matches (1), where "
        "kustomize takes seconds to minutes; see it with 'kubectl kustomize overlays/dev', "
        "or raise render.max_image_matches"
    )
    assert _renders(calls) == []
    (ok,) = rendered_diff(
        RenderSettings(kubectl=str(kubectl), max_image_matches=2),
        "dev",
        root,
        [kfile.parent],
        {kfile: text},
        after,
    )
    assert ok.error is None and len(_renders(calls)) == 2


def test_a_render_past_its_deadline_says_in_one_line_how_to_see_it(tmp_path: Path) -> None:
    root, kfile, text = _repo(tmp_path)
    kubectl = tmp_path / "bin/kubectl"
    kubectl.parent.mkdir()
    kubectl.write_text("#!/bin/sh\nexec sleep 30\n")  # a render that never ends
    kubectl.chmod(0o755)
    after = {kfile: text.replace("1.0.0", "1.1.0")}
    (r,) = rendered_diff(
        RenderSettings(kubectl=str(kubectl), timeout=0.2), "dev", root, [kfile.parent], {kfile: text}, after
    )
    assert r.error == (
        "kubectl kustomize ran past render.timeout (0.2 s); "
        "see it with 'kubectl kustomize overlays/dev', or raise render.timeout"
    )


def _configure(demo: Stage, extra: str) -> None:
    """``extra`` appended to the example's gitops-bot.yaml, committed and pushed."""
    config = demo.repo / "gitops-bot.yaml"
    config.write_text(config.read_text() + extra)
    for args in (
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "config"],
        ["push", "-q", "origin", "main"],
    ):
        subprocess.run(["git", "-C", str(demo.repo), *args], check=True)


def test_update_past_the_size_budget_says_why_in_the_pull_request_and_runs_no_kubectl(
    demo: Stage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _configure(demo, "\nrender:\n  max_image_matches: 1\n")
    kubectl, calls = _counting(tmp_path)
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", str(kubectl))
    assert main(["update", "--repo", str(demo.repo), "--env", "dev"]) == 0
    (pr,) = demo.gh.open_pulls()
    (line,) = [line for line in pr["body"].splitlines() if line.startswith("- not rendered")]
    note = shown(line)  # as a reader sees it: the reason is escaped (it may quote kubectl)
    assert "5 images: entries and 5 image fields (25 matches), over render.max_image_matches (1)" in note
    assert "see it with 'kubectl kustomize overlays/dev', or raise render.max_image_matches" in note
    assert _renders(calls) == []


def test_update_renders_the_before_side_once_for_every_release_at_one_base(
    demo: Stage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One pull request per image: each release renders its own "after", and all of them
    share the one "before" of the base (kept by the commit's content and the path): the
    reading's render of each environment as it is, never rendered again."""
    _configure(demo, "\npull_request:\n  group: image\n")
    kubectl, calls = _counting(tmp_path)
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", str(kubectl))
    assert main(["update", "--repo", str(demo.repo), "--env", "dev"]) == 0
    prs = demo.gh.open_pulls()
    assert len(prs) > 1
    assert all("Rendered diff" in pr["body"] for pr in prs)
    renders = _renders(calls)
    before = [c for c in calls.read_text().split() if "/before/" in c]
    assert len(before) == len(set(before)) >= 1 and renders.count("after") == len(prs)

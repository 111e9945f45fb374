"""The reading held to the real kubectl kustomize: a kustomization the rules read as fine
and kustomize refuses (a Deployment with no metadata.name) is that environment's refusal, with
kustomize's own words and the directory, and blocks its release; the other environment is read
as before. A pin whose image the render runs at another tag is said. Renders are kept by the
tree's content: reading it again renders nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images, workloads
from gitops_bot.render import joint, reader, rendered_reading, tools
from gitops_bot.render.settings import RenderSettings

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, workloads.repository_key(APP))]
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
{meta}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {image}
"""


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for env, meta, image in (
        ("dev", "  labels: {a: b}", f"{APP}:1.0"),  # no name: kustomize refuses it
        ("prod", "  name: web", f"{APP}:1.0"),
        ("qa", "  name: web", f"{APP}:1.10"),
    ):
        (root / env).mkdir(parents=True)
        (root / env / "kustomization.yaml").write_text("resources:\n- d.yaml\n")
        (root / env / "d.yaml").write_text(DEPLOYMENT.format(meta=meta, image=image))
    return root


def _read(root: Path) -> dict[str, reader.EnvironmentReading]:
    paths = {"dev": ("dev",), "prod": ("prod",), "qa": ("qa",)}
    sources = [reader.Source(n, p, (APP,)) for n, p in paths.items()]
    read = reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)
    return rendered_reading.held_to_render(RenderSettings(), root, root, read, paths)


def test_a_render_kustomize_refuses_blocks_that_environment(tmp_path: Path) -> None:
    if RenderSettings().tool("kubectl") is None:
        pytest.fail("kubectl not found: run scripts/kube-tools.sh (tests use .tools/bin)")
    got = _read(_repo(tmp_path))
    blocked = got["dev"].blocked
    assert blocked is not None
    assert blocked[0].startswith("dev: kubectl kustomize failed: "), blocked
    assert "missing metadata.name" in blocked[0]
    assert "kubectl kustomize dev" in blocked[1]
    # each image of it is unsupported in those words: the release skips it, as a refusal the
    # rules find does (it read as pinned, and update proposed it)
    refused = got["dev"].image(APP)
    assert refused is not None and refused.status is PinStatus.UNSUPPORTED, refused
    assert (refused.reason, refused.fix) == blocked and refused.would_write is None
    assert got["prod"].blocked is None and got["prod"].refused == ()
    assert got["prod"].image(APP).status is PinStatus.PINNED  # type: ignore[union-attr]
    assert got["prod"].image(APP) is not None and not got["prod"].notes


def test_renders_are_kept_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path)
    (root / "dev" / "d.yaml").write_text(DEPLOYMENT.format(meta="  name: web", image=f"{APP}:1.0"))
    first = _read(root)
    calls: list[Path] = []  # each directory rendered, alone or in one run with others
    real, together = tools.render_directory, joint.render_together
    monkeypatch.setattr(
        tools, "render_directory", lambda s, k, d, t, **kw: calls.append(d) or real(s, k, d, t, **kw)
    )
    monkeypatch.setattr(
        joint, "render_together", lambda s, k, ds, t, **kw: calls.extend(ds) or together(s, k, ds, t, **kw)
    )
    assert _read(root) == first
    assert calls == []
    (root / "prod" / "d.yaml").write_text(DEPLOYMENT.format(meta="  name: web2", image=f"{APP}:1.0"))
    _read(root)
    # what prod's render reads changed: its key is another, the other two's are not
    assert [c.name for c in calls] == ["prod"]


def test_a_link_out_of_one_overlay_leaves_the_others_rendered(tmp_path: Path) -> None:
    """qa's overlay holds a symbolic link leading out of the repository: qa is not rendered
    (kubectl would render what it points at), and dev's refusal is still found by its render
    (a link anywhere in the tree stopped every environment's render)."""
    if RenderSettings().tool("kubectl") is None:
        pytest.fail("kubectl not found: run scripts/kube-tools.sh (tests use .tools/bin)")
    root = _repo(tmp_path)
    (tmp_path / "outside.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    (root / "qa" / "extra.yaml").symlink_to("../../outside.yaml")
    assert tools.links_out(root) == ["qa/extra.yaml"]
    assert tools.links_read(root, root / "qa", ["qa/extra.yaml"], {}) == "qa/extra.yaml"
    assert tools.links_read(root, root / "dev", ["qa/extra.yaml"], {}) is None
    got = _read(root)
    assert got["dev"].blocked is not None and "missing metadata.name" in got["dev"].blocked[0]
    assert got["prod"].blocked is None and got["qa"].refused == ()
    assert not got["qa"].notes  # not rendered: no claim on what it runs


HELM_SPECS = [
    images.ImageSpec(
        APP, workloads.repository_key(APP), {"repository": "image.repository", "tag": "image.tag"}
    )
]


def _app_version_chart(root: Path, chart: str, more: dict[str, str]) -> None:
    """A chart at ``chart`` whose values leave the tag empty (``tag: ""``) and whose template
    defaults it to the appVersion, 2026.1.20 (wayli-app/fluxbase's chart), and ``more`` files."""
    files = {
        f"{chart}/Chart.yaml": 'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "2026.1.20"\n',
        f"{chart}/values.yaml": 'image:\n  repository: ghcr.io/acme/app\n  tag: ""\n',
        f"{chart}/templates/deployment.yaml": DEPLOYMENT.format(
            meta="  name: web",
            image='"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
        ),
        **more,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.fixture
def helm_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real helm (``.tools/bin``) as the renderer's."""
    from testkit.kubetools import helm

    monkeypatch.setenv("GITOPS_BOT_HELM", helm())


def _application(name: str, helm: str = "") -> str:
    """An Argo CD Application ``name`` over ``chart`` (``helm``: its source's helm field, indented)."""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}}}\nspec:\n  source:\n"
        f"    repoURL: https://github.com/acme/deploy.git\n    path: chart\n{helm}"
    )


def _held(root: Path, path: str) -> reader.EnvironmentReading:
    read = reader.Reader(reader.DiskTree(root), root, HELM_SPECS).read(
        [reader.Source("prod", (path,), (APP,))]
    )
    return rendered_reading.held_to_render(RenderSettings(), root, root, read, {"prod": (path,)})["prod"]


@pytest.mark.usefixtures("helm_found")
def test_an_empty_tag_reads_as_the_version_the_chart_renders(tmp_path: Path) -> None:
    # tag "" is helm's empty value: the template's default, the chart's appVersion, is what runs
    # (wayli-app/fluxbase's chart): the plan's current version is that, where it read '(no tag)'
    root = tmp_path / "repo"
    application = _application("app")
    _app_version_chart(root, "chart", {"app/application.yaml": application})
    got = _held(root, "app/application.yaml")
    image = got.image(APP)
    assert image is not None and image.effective is not None, got
    assert (image.effective.place, image.effective.tag) == ("chart/values.yaml:3", "2026.1.20")
    assert any("leaves ghcr.io/acme/app's tag empty" in n for n in got.notes), got.notes


@pytest.mark.usefixtures("helm_found")
def test_a_chart_directory_installed_by_hand_reads_the_version_its_template_defaults_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an environment whose path is the chart (helm install fluxbase ./deploy/helm/fluxbase, no
    # Argo CD or Flux object; wayli-app/fluxbase): tag "" defaults to the appVersion, which runs
    root = tmp_path / "repo"
    _app_version_chart(root, "deploy/helm/app", {})
    # a plan run with --repo . reads the repository by a relative path: helm runs elsewhere
    monkeypatch.chdir(root)
    got = _held(Path("."), "deploy/helm/app")
    image = got.image(APP)
    assert image is not None and image.effective is not None, got
    assert (image.effective.place, image.effective.tag) == ("deploy/helm/app/values.yaml:3", "2026.1.20")
    assert any("leaves ghcr.io/acme/app's tag empty" in n for n in got.notes), got.notes
    # the environment's own values file beside the chart is rendered as the rules read it: no
    # claim that values-prod.yaml changes nothing that runs
    (root / "deploy/helm/app/values-prod.yaml").write_text(
        'image:\n  repository: ghcr.io/acme/app\n  tag: "2.0"\n'
    )
    got = _held(Path("."), "deploy/helm/app")
    image = got.image(APP)
    assert image is not None and image.effective is not None, got
    assert (image.effective.place, image.effective.tag) == ("deploy/helm/app/values-prod.yaml:3", "2.0")
    assert not any("changes nothing that runs" in n for n in got.notes), got.notes


@pytest.mark.usefixtures("helm_found")
@pytest.mark.parametrize("chart", ["deploy/My_App", "."])
def test_a_chart_installed_by_hand_is_given_a_release_name_helm_takes(tmp_path: Path, chart: str) -> None:
    # the by-hand Application was named after the chart's directory (or, at the repository's
    # root, after the folder the repository is checked out in: Deploy_Repo), which helm refused
    # as a release name ('invalid release name'): no render, the tag read as (no tag)
    root = tmp_path / "Deploy_Repo"
    _app_version_chart(root, chart, {})
    got = _held(root, chart)
    image = got.image(APP)
    assert image is not None and image.effective is not None, got
    assert image.effective.tag == "2026.1.20", (got.notes, got.said)
    assert not any("release name" in n for n in (*got.notes, *got.said)), got.notes


def test_an_image_every_container_runs_with_pull_policy_never_is_refused_with_the_fix(tmp_path: Path) -> None:
    # the node's own copy runs (minikube's docker build, kind load: barbarosydev/argocd-lab's
    # pullPolicy: Never): a release names a tag no node holds, so it is said, never proposed
    root = tmp_path / "repo"
    never = "Never  # the image minikube's docker built"
    for env, policy in (("local", never), ("pulled", "IfNotPresent")):
        (root / env).mkdir(parents=True)
        (root / env / "kustomization.yaml").write_text("resources:\n- d.yaml\n")
        text = DEPLOYMENT.format(meta="  name: web", image=f"{APP}:1.0")
        (root / env / "d.yaml").write_text(text + f"        imagePullPolicy: {policy}\n")
    paths = {"local": ("local",), "pulled": ("pulled",)}
    read = reader.Reader(reader.DiskTree(root), root, SPECS).read(
        [reader.Source(n, p, (APP,)) for n, p in paths.items()]
    )
    got = rendered_reading.held_to_render(RenderSettings(), root, root, read, paths)
    local = got["local"].image(APP)
    assert local is not None and local.status is PinStatus.UNSUPPORTED, local
    assert local.reason is not None and "imagePullPolicy: Never" in local.reason, local.reason
    assert "Deployment/web" in local.reason and local.fix and "images:" in local.fix
    assert local.would_write is None and local.effective is not None  # where it is, still named
    assert local.effective.tag == "1.0"
    assert got["pulled"].image(APP).status is PinStatus.PINNED  # type: ignore[union-attr]


@pytest.mark.usefixtures("helm_found")
def test_a_charts_argocd_source_file_is_merged_over_the_application_as_argo_cd_does(tmp_path: Path) -> None:
    # argocd-image-updater's git write-back for a Helm Application: .argocd-source-app.yaml's
    # helm.parameters, merged over the source (reposerver mergeSourceParameters), set the tag
    # that runs; the values file's tag is then dead, and the render says so
    root = tmp_path / "repo"
    application = _application("app")
    written_back = "helm:\n  parameters:\n  - name: image.tag\n    value: 2026.2.1\n    forcestring: true\n"
    _app_version_chart(
        root,
        "chart",
        {
            "app/application.yaml": application,
            "chart/values.yaml": "image:\n  repository: ghcr.io/acme/app\n  tag: 2026.1.20\n",
            "chart/.argocd-source-app.yaml": written_back,
        },
    )
    got = _held(root, "app/application.yaml")
    assert any(
        "chart/values.yaml:3 sets ghcr.io/acme/app to 2026.1.20, but the render runs Deployment/web app "
        "ghcr.io/acme/app:2026.2.1" in n
        for n in got.notes
    ), got.notes
    # and the plan prints it: a reading's notes alone reach no surface
    assert any("but the render runs Deployment/web app ghcr.io/acme/app:2026.2.1" in s for s in got.said)
    # the rules do not read the write-back file's helm fields: said, with the file
    assert any(
        "chart/.argocd-source-app.yaml" in n and "helm" in n and "not read by the bot's rules" in n
        for n in got.notes
    ), got.notes


@pytest.mark.usefixtures("helm_found")
def test_an_applications_value_file_named_by_argo_cds_build_environment_is_read_as_expanded(
    tmp_path: Path,
) -> None:
    # Argo CD expands $ARGOCD_APP_NAME and its kin in helm value files and parameters
    # (reposerver newEnv, Env.Envsubst): values-${ARGOCD_APP_NAME}.yaml is values-web-dev.yaml,
    # which the rules refused as a file the repository does not hold and helm never got
    root = tmp_path / "repo"
    application = _application(
        "web-dev", "    helm:\n      valueFiles:\n      - values-${ARGOCD_APP_NAME}.yaml\n"
    )
    _app_version_chart(
        root,
        "chart",
        {
            "app/application.yaml": application,
            "chart/values-web-dev.yaml": 'image:\n  repository: ghcr.io/acme/app\n  tag: "2.0"\n',
        },
    )
    got = _held(root, "app/application.yaml")
    assert got.refused == () and got.blocked is None, got
    image = got.image(APP)
    assert image is not None and image.effective is not None, got
    assert (image.effective.place, image.effective.tag) == ("chart/values-web-dev.yaml:3", "2.0")
    assert not any("changes nothing that runs" in n for n in got.notes), got.notes


def test_argo_cds_build_environment_expands_as_gos_os_expand() -> None:
    from gitops_bot.render.deployers import build_env, envsubst, value_file

    env = build_env("web-dev", "https://github.com/acme/deploy.git", "chart", "main", "dev")
    written = "${ARGOCD_APP_NAME}.$ARGOCD_APP_NAMESPACE-${ARGOCD_APP_SOURCE_PATH}-$$-${NOT_SET}|"
    assert envsubst(written, env) == "web-dev.dev-chart-$-|"
    # the commit, the project and a namespace no destination names are not known to a reading
    assert envsubst("v-${ARGOCD_APP_REVISION_SHORT}", env) is None
    assert envsubst("$ARGOCD_APP_NAMESPACE", build_env("a", "", "", "", None)) is None
    # a ref source's file: its path after the ref expanded, the ref itself kept
    assert value_file("$values/envs/$ARGOCD_APP_NAME.yaml", {"values"}, env) == "$values/envs/web-dev.yaml"


@pytest.mark.usefixtures("helm_found")
# the appVersion as YAML reads it: quotes and a comment after it are not the version
@pytest.mark.parametrize("app_version", ['"2026.1.20"', "2026.1.20  # the app's release"])
def test_a_chart_whose_dependency_is_not_vendored_is_said_in_the_plan(
    tmp_path: Path, app_version: str
) -> None:
    # fluxninja/aperture's published charts: Chart.yaml names common, etcd and prometheus, none
    # of them in charts/; helm renders nothing of the chart, and the plan said nothing of it
    root = tmp_path / "repo"
    deps = "dependencies:\n- name: etcd\n  version: 8.x\n  repository: https://charts.bitnami.com/bitnami\n"
    _app_version_chart(root, "charts/app", {})
    chart = root / "charts/app/Chart.yaml"
    chart.write_text(chart.read_text().replace('"2026.1.20"', app_version) + deps)
    got = _held(root, "charts/app")
    said = [s for s in got.said if "missing in charts/ directory: etcd" in s]
    assert len(said) == 1, got.said
    assert "read by the bot's own rules" in said[0] and "helm dependency build" in said[0]
    # its tag "" is the templates' choice: the plan printed "(no tag)" as if that ran, where
    # the chart's appVersion is what its templates commonly run; that is said, not guessed as run
    image = got.image(APP)
    assert image is not None and image.effective is not None and not image.effective.tag, got
    empty = [s for s in got.said if "tag empty" in s]
    assert empty == [
        f"charts/app/values.yaml:3 leaves {APP}'s tag empty: the chart's templates choose what runs "
        "(commonly its appVersion, 2026.1.20 in charts/app/Chart.yaml), and no render of it told which"
    ], got.said


def test_a_place_is_held_only_to_the_render_reading_it_not_another_paths_objects(tmp_path: Path) -> None:
    """mitchross/talos-argocd-proxmox (newcomer13 G4): one environment of two app paths, web's
    Deployment at 1.0 and jobs' at 2.0, jobs' kustomization inflating a chart from a chart
    repository (not rendered here: kustomize would fetch it). jobs' place was said to change
    nothing that runs because web's render runs 1.0: a place is held to the renders reading it."""
    root = tmp_path / "repo"
    for path, meta, tag in (("web", "  name: web", "1.0"), ("jobs", "  name: jobs", "2.0")):
        (root / path).mkdir(parents=True)
        (root / path / "d.yaml").write_text(DEPLOYMENT.format(meta=meta, image=f"{APP}:{tag}"))
    (root / "web/kustomization.yaml").write_text("resources:\n- d.yaml\n")
    (root / "jobs/kustomization.yaml").write_text(
        "resources:\n- d.yaml\nhelmCharts:\n- name: temporal\n  repo: https://go.temporal.io/helm-charts\n"
        "  version: 1.6.0\n"
    )
    read = reader.Reader(reader.DiskTree(root), root, SPECS).read(
        [reader.Source("dev", ("web", "jobs"), (APP,))]
    )
    got = rendered_reading.held_to_render(RenderSettings(), root, root, read, {"dev": ("web", "jobs")})["dev"]
    image = got.image(APP)
    assert image is not None and image.effective is not None and image.effective.place == "jobs/d.yaml:10", (
        got
    )
    assert not any("changes nothing that runs" in n for n in (*got.notes, *got.said)), got.said


def test_a_refused_render_leaves_another_environments_image_not_rendered(tmp_path: Path) -> None:
    """An environment whose render kustomize refuses (a generator's .env git does not hold:
    mlflow's local-minio-artifact-store overlay, 7 of 7 images 'unsupported') blocks its own
    images; one no file it reads names is still another environment's, not refused here."""
    other = "ghcr.io/acme/other"
    root = _repo(tmp_path)
    (root / "prod" / "o.yaml").write_text(DEPLOYMENT.format(meta="  name: o", image=f"{other}:2.0"))
    (root / "prod" / "kustomization.yaml").write_text("resources:\n- d.yaml\n- o.yaml\n")
    specs = [*SPECS, images.ImageSpec(other, workloads.repository_key(other))]
    paths = {"dev": ("dev",), "prod": ("prod",)}
    read = reader.Reader(reader.DiskTree(root), root, specs).read(
        [reader.Source(n, p, (APP, other)) for n, p in paths.items()]
    )
    got = rendered_reading.held_to_render(RenderSettings(), root, root, read, paths)
    assert got["dev"].image(APP).status is PinStatus.UNSUPPORTED  # type: ignore[union-attr]
    theirs = got["dev"].image(other)
    assert theirs is not None and theirs.status is PinStatus.NOT_RENDERED, theirs

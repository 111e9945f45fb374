"""Chart versions from classic chart repositories (``index.yaml``) and OCI tags: what is read,
how often, what is sent where, and what a bad or oversized index does."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError, RegistryUnavailable
from gitops_bot.registry import chart_index
from gitops_bot.registry.chart_index import index_versions
from gitops_bot.registry.chart_source import ChartSource
from gitops_bot.registry.charts import ChartIndexes, OciChart, oci_tag, oci_versions
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.registry.settings import RegistryConfig
from testkit.chart_repo import ChartRepo
from testkit.paths import TEST_DATA

PODINFO = (TEST_DATA / "charts" / "indexes" / "podinfo.yaml").read_bytes()
AZURE = (TEST_DATA / "charts" / "indexes" / "azure-samples.yaml").read_bytes()


def _by_events(raw: bytes) -> dict[str, tuple[str, ...]]:
    return chart_index._entries(iter(yaml.parse(raw, Loader=yaml.SafeLoader)))


def test_real_index_lists_each_charts_versions_in_published_order() -> None:
    found = index_versions(PODINFO)
    assert found["podinfo"] == ("1.2.1", "1.2.0", "1.1.0", "1.0.0", "0.2.2", "0.2.1", "0.2.0", "0.1.0")
    assert found["podinfo-istio"] == ("1.2.1", "1.2.0")
    assert index_versions(AZURE)["open-service-broker-azure"] == ("v0.0.1",)


@pytest.mark.parametrize("raw", [PODINFO, AZURE], ids=["podinfo", "azure-samples"])
def test_line_reading_of_helms_layout_agrees_with_the_yaml_parser(raw: bytes) -> None:
    """The fast path (helm's own layout, read by lines) answers exactly what YAML events do."""
    fast = chart_index._helm_layout(raw)
    assert fast is not None
    assert fast == _by_events(raw)


@pytest.mark.parametrize(
    "text",
    [
        # JSON is YAML: an index served as JSON
        json.dumps({"apiVersion": "v1", "entries": {"app": [{"version": "1.0.0"}, {"version": "1.1.0"}]}}),
        # version first in the item, quoted chart name, four-space indent, flow style
        "entries:\n  app:\n  - version: 1.0.0\n    name: app\n  - name: app\n    version: 1.1.0\n",
        'entries:\n  "app":\n  - version: "1.0.0"\n  - {version: 1.1.0, name: app}\n',
        "entries:\n    app:\n        - name: app\n          version: 1.0.0\n        - version: '1.1.0'\n",
    ],
    ids=["json", "version-first", "quoted-flow", "four-spaces"],
)
def test_indexes_off_helms_layout_are_read_as_yaml(text: str) -> None:
    assert index_versions(text) == {"app": ("1.0.0", "1.1.0")}


def test_dependency_versions_and_nested_fields_are_not_taken_for_the_charts_version() -> None:
    text = (
        "apiVersion: v1\nentries:\n  app:\n  - dependencies:\n    - name: common\n      version: 9.9.9\n"
        "    description: |\n      version: 8.8.8\n    name: app\n    version: 1.0.0\ngenerated: x\n"
    )
    assert index_versions(text) == {"app": ("1.0.0",)}
    assert chart_index._helm_layout(text.encode()) == {"app": ("1.0.0",)}


def test_an_alias_bomb_is_never_expanded() -> None:
    """Aliases are events the walk skips: a billion-laughs index costs its own size."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = "\n".join(lines) + "\nentries:\n  app:\n  - *a8\n  - version: 1.0.0\n"
    assert index_versions(text) == {"app": ("1.0.0",)}


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "apiVersion: v1\n", "entries: [\n"])
def test_text_without_entries_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        index_versions(text)


def test_oci_tags_read_underscore_as_build_metadata_and_keep_only_semver() -> None:
    tags = ["1.2.3", "1.2.4_build.5", "latest", "v1.0.0", "1.3.0-rc.1", "sha256-abc.sig"]
    assert oci_versions(tags) == ["1.2.3", "1.2.4+build.5", "1.3.0-rc.1"]
    assert oci_tag("1.2.4+build.5") == "1.2.4_build.5"


def test_oci_chart_reference_splits_host_and_repository() -> None:
    assert OciChart.parse("oci://ghcr.io/acme/charts", "app") == OciChart("ghcr.io", "acme/charts/app")
    assert OciChart.parse("oci://localhost:5000/", "app") == OciChart("localhost:5000", "app")


# -- fetching -----------------------------------------------------------------------------


@pytest.fixture
def repo() -> Iterator[ChartRepo]:
    with ChartRepo(index=PODINFO) as r:
        yield r


def _indexes(**kwargs: object) -> ChartIndexes:
    return ChartIndexes(sleep=lambda _s: None, **kwargs)  # type: ignore[arg-type]


def test_an_index_is_read_once_per_cycle_and_revalidated_with_its_etag(repo: ChartRepo) -> None:
    indexes = _indexes()
    assert indexes.versions(repo.url, "podinfo")[0] == "1.2.1"
    assert indexes.versions(repo.url, "podinfo-istio") == ["1.2.1", "1.2.0"]
    assert len(repo.seen) == 1
    assert repo.seen[0].headers.get("accept-encoding") == "gzip"  # the answer came compressed
    indexes.forget()
    assert indexes.versions(repo.url, "grafana") == ["0.1.0"]
    assert len(repo.seen) == 2
    assert repo.seen[1].headers["if-none-match"].startswith('"')
    assert repo.seen[1].headers["if-modified-since"]


def test_a_changed_index_is_read_again_in_the_next_cycle(repo: ChartRepo) -> None:
    indexes = _indexes()
    assert indexes.versions(repo.url, "podinfo")[0] == "1.2.1"
    repo.index = PODINFO.replace(b"  podinfo:\n", b"  podinfo:\n  - name: podinfo\n    version: 1.3.0\n", 1)
    assert indexes.versions(repo.url, "podinfo")[0] == "1.2.1"  # same cycle: not asked again
    indexes.forget()
    assert indexes.versions(repo.url, "podinfo")[0] == "1.3.0"


def test_credentials_go_to_the_configured_origin_only_never_after_a_redirect_elsewhere(
    repo: ChartRepo,
) -> None:
    repo.user, repo.password = "reader", "s3cret-chart-pass"
    settings = RegistryConfig(host="x", username_env="CHART_USER", password_env="CHART_PASS")
    env = {"CHART_USER": "reader", "CHART_PASS": "s3cret-chart-pass"}
    indexes = _indexes(settings=lambda host: settings, env=env)
    assert indexes.versions(repo.url, "podinfo")[0] == "1.2.1"
    assert repo.seen[0].headers["authorization"].startswith("Basic ")

    with ChartRepo(index=PODINFO, prefix="/mirror") as elsewhere:
        repo.redirect["/moved/index.yaml"] = f"{elsewhere.url}/index.yaml"
        moved = _indexes(settings=lambda host: settings, env=env)
        assert moved.versions(repo.origin + "/moved", "podinfo")[0] == "1.2.1"
        assert "authorization" in repo.seen[-1].headers  # the configured origin, first request
        assert [s.path for s in elsewhere.seen] == ["/mirror/index.yaml"]
        assert "authorization" not in elsewhere.seen[0].headers

    # a redirect within the origin stays where the credential is bound: it goes along
    repo.redirect["/same/index.yaml"] = "/charts/index.yaml"
    same = _indexes(settings=lambda host: settings, env=env)
    assert same.versions(repo.origin + "/same", "podinfo")[0] == "1.2.1"
    assert [s.path for s in repo.seen[-2:]] == ["/same/index.yaml", "/charts/index.yaml"]
    assert repo.seen[-1].headers["authorization"].startswith("Basic ")


def test_an_index_over_the_cap_is_refused_with_what_to_change(repo: ChartRepo) -> None:
    with pytest.raises(RegistryProtocolError, match="over 1000 bytes") as caught:
        _indexes().versions(repo.url, "podinfo", limit=1000)
    assert caught.value.hint is not None and "index_limit_mb" in caught.value.hint


def test_a_missing_chart_or_index_is_an_access_error_and_an_outage_is_unavailable(repo: ChartRepo) -> None:
    indexes = _indexes()
    with pytest.raises(RegistryAccessError, match="no chart 'nginx'"):
        indexes.versions(repo.url, "nginx")
    with pytest.raises(RegistryAccessError, match="HTTP 404"):
        indexes.versions(repo.origin + "/elsewhere", "podinfo")
    repo.status = 503
    down = _indexes()
    with pytest.raises(RegistryUnavailable, match="unavailable"):
        down.versions(repo.url, "podinfo")
    assert len([s for s in repo.seen if s.path == "/charts/index.yaml"]) == 1 + 4  # retried


def test_plain_http_to_a_remote_host_is_refused_before_any_request() -> None:
    indexes = _indexes(settings=lambda host: RegistryConfig(host=host))
    with pytest.raises(RegistryAccessError, match="plain http"):
        indexes.versions("http://charts.example.com/stable", "app")
    assert indexes.requests == 0


def test_a_pools_new_cycle_revalidates_chart_indexes_and_reuses_them_on_304(repo: ChartRepo) -> None:
    """``watch`` calls ``forget`` on its long-lived pool each cycle: the index is asked again,
    conditionally, and an unchanged one is not downloaded again."""
    with RegistryPool() as pool:
        source = ChartSource(pool)
        assert source.versions(repo.url, "podinfo")[0] == "1.2.1"
        assert source.versions(repo.url, "grafana") == ["0.1.0"]
        pool.forget()
        assert source.versions(repo.url, "podinfo")[0] == "1.2.1"
    assert [s.path for s in repo.seen] == ["/charts/index.yaml"] * 2
    assert "if-none-match" in repo.seen[1].headers


def test_a_small_gzip_body_that_inflates_past_the_cap_is_refused(repo: ChartRepo) -> None:
    """The cap counts the index as decoded: 2 MB of newlines arrive as a few kB of gzip."""
    repo.index = b"apiVersion: v1\nentries: {}\n" + b"\n" * 2_000_000
    with pytest.raises(RegistryProtocolError, match="over 1000000 bytes"):
        _indexes().versions(repo.url, "podinfo", limit=1_000_000)


class _Settings:
    """A repository's registry settings (``config.Config`` is one): credentials for every host."""

    root = TEST_DATA

    def registry(self, host: str) -> RegistryConfig:
        return RegistryConfig(host=host, username_env="CHART_USER", password_env="CHART_PASS")


def test_a_bound_pool_looks_chart_credentials_up_in_its_own_repositorys_environment(repo: ChartRepo) -> None:
    """Many repositories share one pool (``fleet``): each one's secrets are its own."""
    repo.user, repo.password = "fleet-reader", "fleet-pass"
    with RegistryPool() as pool:
        view = pool.bind(_Settings(), env={"CHART_USER": "fleet-reader", "CHART_PASS": "fleet-pass"})
        assert ChartSource(view).versions(repo.url, "podinfo")[0] == "1.2.1"
    assert repo.seen[0].headers["authorization"].startswith("Basic ")


# -- bounds: linear reading, a cap on entries -----------------------------------------------

REPEATS = 2_000


def _repeated(flow: bool) -> str:
    """One chart key named ``REPEATS`` times under ``entries`` (in helm's layout, or in flow
    style, which only the YAML-events reader reads)."""
    if flow:
        return "entries: {" + ", ".join(["app: [{version: 1.0.0}]"] * REPEATS) + "}\n"
    return "apiVersion: v1\nentries:\n" + "  app:\n  - name: app\n    version: 1.0.0\n" * REPEATS


@pytest.mark.parametrize("flow", [False, True], ids=["helm-layout", "flow-style"])
def test_a_chart_named_twice_under_entries_is_refused_when_its_second_name_is_read(flow: bool) -> None:
    """Merging repeats copied the list once per repeat (quadratic: 400,000 repeats took minutes);
    the second name is refused instead, so the events read do not grow with the repeats."""
    read: list[yaml.Event] = []

    def counted(raw: bytes) -> Iterator[yaml.Event]:
        for event in yaml.parse(raw, Loader=yaml.SafeLoader):
            read.append(event)
            yield event

    raw = _repeated(flow).encode()
    with pytest.raises(ValueError, match="'app' is named more than once under entries"):
        index_versions(raw)
    with pytest.raises(ValueError, match="more than once"):
        chart_index._entries(counted(raw))
    assert len(read) < 20  # the first two names and one version: not REPEATS of anything


@pytest.mark.parametrize("flow", [False, True], ids=["helm-layout", "flow-style"])
def test_an_index_over_the_version_cap_is_refused(flow: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart_index, "MAX_VERSIONS", 5)
    versions = [f"1.{n}.0" for n in range(6)]
    if flow:
        text = "entries: {a: [" + ", ".join(f"{{version: {v}}}" for v in versions) + "]}\n"
    else:
        text = "entries:\n  a:\n" + "".join(f"  - name: a\n    version: {v}\n" for v in versions[:3])
        text += "  b:\n" + "".join(f"  - name: b\n    version: {v}\n" for v in versions[3:])
    with pytest.raises(ValueError, match="more than 5 versions under entries"):
        index_versions(text)
    monkeypatch.setattr(chart_index, "MAX_VERSIONS", 6)
    assert sum(len(v) for v in index_versions(text).values()) == 6


def test_a_repeated_chart_key_served_by_a_repository_is_one_protocol_error() -> None:
    with ChartRepo(index=_repeated(False).encode()) as served, pytest.raises(RegistryProtocolError) as caught:
        _indexes().versions(served.url, "app")
    assert "'app' is named more than once under entries" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_version_that_is_not_a_version_is_ignored_and_the_others_still_count() -> None:
    bad = PODINFO.replace(b"  podinfo:\n", b'  podinfo:\n  - name: podinfo\n    version: "zzzz\\u2028x"\n', 1)
    with ChartRepo(index=bad) as served:
        listed = _indexes().versions(served.url, "podinfo")
    assert "zzzz\u2028x" not in listed
    assert listed[0] == "1.2.1"

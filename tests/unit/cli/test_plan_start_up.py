"""What a plan has imported when it sends its first request, counted in a fresh interpreter:
start-up is paid on every run (a scheduled ``watch`` cycle excepted), so a module the plan does
not use is a cost every user pays. The count is of ``sys.modules`` at the first socket connect
(an audit hook in the probe, not in the product), with httpx's command-line client and h2 kept
out as an installed product has them (the client comes with click and rich, which only the dev
extras install; h2 is the `http2` extra, which the test extras install for the HTTP/2 tests).
bench/startup_bench.py measures what the count costs in CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testkit import kubetools

# sys.modules at the first request of a one-image plan, on the project's Python 3.11: 535 when
# this test was written (388 before imports moved to the top of the modules that use them), 454
# once the session, the forge client and the notification senders left a plan's imports, 434
# once charts, min_age (its walk, clocks and push times), the rendered diff, the clouds' kit,
# the gates' adapters and the automatic rules were imported by name where a configuration or
# a request asks for them, 430 once a plan whose environments have no gates made no run's gates
# (engine.gates and what they judge with: engine.results, gate.port, release.promotion), 432
# once the reader and the chart sites were split by question under the 600-line rule
# (render.deploy_tools, manifests.charts_argocd, manifests.charts_nodes: the same code, more files),
# 393 (counted from the console script's entry, gitops_bot.__main__, one module more) once the
# forges' entries, the output's renderers, the chart readers and the configuration's optional
# sections (windows, automatic rules, gates, charts, signatures, notifications) were imported by
# name where a configuration or a result asks for them, 384 once the sections only some commands
# read (argocd, metrics, webhooks, render, dashboard) were their defaults until one is asked,
# 385 once the spellings a secret is echoed in left core.log for core.spellings under the
# 600-line rule (the same code, one more file), 387 once the reading ran the editors a release
# runs over each place it would write (manifests.values_keys, the own layer's editor) and read
# Helm values as helm renders them (manifests.helm_values), 386 once a pull request's writer
# (release.proposal) left: its trailers' names are core.model's, a release's id asked by name,
# 387 once the reading asks render.settings whether a kubectl is found (where one is, it
# renders each environment: the tools load by name), 388 once an image's verdict became a chain of
# rules of its own (render.pin_rules, out of render.verdict: the same code, one more file), 389
# once a Flux Kustomization's spec.images entry became a place a release writes (the reading runs
# the release's editors over each place: manifests.flux_images), 387 once the two HTML escapes
# (a secret's HTML-escaped spelling, outside text in an HTML body) were written out
# (core.outside.html_escaped) instead of loading the html package and its entity tables,
# 388 once render.reader stayed under the 600-line rule (render.values_key, the same code, one
# more file), 386 once a gate's reading (gate.reading) was loaded where an environment has gates,
# 385 once the readers and editors of Argo CD's and Flux's objects (manifests.argocd_apps) were
# imported by name where a file's text names their API group, 387 with manifests.file_sites
# (images' sites in a file that is no kustomization, split from images for its size: the same
# code) and render.entry_reach (which images: entry kustomize applies where a name is renamed,
# asked of every kustomization a walk builds), 389 with render.chart_values (a values file inside
# a chart read with the Applications over that chart, split from render.reader for its size) and
# render.roots (a directory of root Applications followed root by root), 390 with core.record
# (value types made with shared methods, where @dataclass compiled six from source for each:
# 1.176 -> 0.817 G instructions to a one-image plan's first request), 391 with render.missing
# (kustomize's refusal of resources: naming files the repository lacks, each named), 350 once the
# registry's requests, on httpcore already, no longer loaded httpx (its objects are made where a
# refusal, a redirect or a token service is read: net.origins reads a plain origin itself), 340
# once an HTTP date's parser (the email package) was imported where a server sends a date.
# Lower it as imports are cut; a rise past it is a module the plan now loads: say why or cut it.
MOST_MODULES = 340
# The same plan where a kubectl is found: the reading renders the environment (render.tools,
# rendered_reading, the marked render's engine.proven), 414 when this was written, 408 once Argo CD's
# kustomize builds, an Application's source hydrator, a chart's dependencies and the
# ApplicationSets' generators were imported by name where an environment holds one, 403 once the
# charts' renders (render.helm_render, its source_files) and their marked proofs (engine.app_version,
# render.template_pins) were imported by name where a reading meets a chart or a deployer object
# (counted with the render's temporary directory outside the repository: inside it, the render
# failed copying its own copy, and the deployer objects were then read from the files), 362 once
# httpx was not loaded, 352 without the email package.
MOST_MODULES_RENDERED = 352
# What a plain kustomization's render does not use: each loaded by such a plan once.
NOT_RENDERED_PLAINLY = (
    "gitops_bot.render.argo_kustomize",  # Argo CD's builds of an Application's kustomize fields
    "gitops_bot.render.app_kustomize",  # a kustomization an app of apps' chart yields
    "gitops_bot.manifests.argocd_apps",  # an Application's source hydrator
    "gitops_bot.manifests.argocd_appsets",
    "gitops_bot.render.git_generators",  # an ApplicationSet's git generators
    "gitops_bot.render.chart_deps",  # a chart's file:// dependencies
    "gitops_bot.render.helm_render",  # charts rendered with helm, deployer objects parsed
    "gitops_bot.render.source_files",
    "gitops_bot.engine.app_version",  # a chart's marked render: its appVersion, its templates' pins
    "gitops_bot.render.template_pins",
)

# Whole families a plan must not load: another command's machinery, or a library the plan
# does not use. Each was loaded by a plan once.
NEVER = (
    "asyncio",  # httpx's async side; the bot is synchronous
    "click",
    "rich",
    "pygments",  # httpx's command-line client
    "h2",  # HTTP/2, which registries speak only when one sets `http2: true`
    # httpx's objects (and http.cookiejar, urllib.request, email, idna with them): a registry's
    # requests go on httpcore, its refusals and redirects are httpx's, imported where they happen
    # (a one-image plan's start-up: 752 -> 674 M instructions with httpx out)
    "httpx",
    "hpack",
    "hyperframe",
    "gitops_bot.watch",
    "gitops_bot.action",
    "gitops_bot.commands.update",
    "gitops_bot.commands.promote",
    "gitops_bot.commands.report",
    "gitops_bot.commands.explain",
    "gitops_bot.commands.status",
    "gitops_bot.output.status_text",  # status's, report's and explain's text (statistics)
    "gitops_bot.output.report_text",
    "gitops_bot.output.explain_text",
    "statistics",
    "gitops_bot.engine.session",  # a session (fetch, forge, signer) is the release commands'
    "gitops_bot.engine.preflight",
    "gitops_bot.forges.forge",  # the forge client and its kit: a plan reads no forge
    "gitops_bot.forges.kit",
    "gitops_bot.git.git",  # the fetched workspace; a plan reads the checkout it is given
    # what only some configurations or requests use, each imported by name where it is asked for
    "gitops_bot.engine.chart_plan",  # charts: (engine.plan's charts branch)
    "gitops_bot.registry.charts",  # the chart client and its index parser (the pool's chart indexes)
    "gitops_bot.registry.chart_index",
    "gitops_bot.registry.chart_source",
    "gitops_bot.policy.age",  # min_age's walk and clocks (engine.plan, vetting)
    "gitops_bot.registry.pushtime",  # min_age's push-time APIs (vetting)
    "gitops_bot.engine.edits",  # --rendered-diff: the edits in memory and the render tools
    "gitops_bot.render.tools",
    "gitops_bot.render.diff",
    "gitops_bot.render.release_diff",
    "gitops_bot.gate.argocd",  # the gates' adapters (engine.gates' table) and their HTTP service
    "gitops_bot.gate.metrics",
    "gitops_bot.gate.web",
    "gitops_bot.net.service",
    "gitops_bot.engine.gates",  # the run's gates, made when an environment has one (decisions)
    "gitops_bot.engine.results",
    "gitops_bot.gate.port",  # the gates' port; the configuration's Applications are gate.settings'
    "gitops_bot.gate.reading",  # a gate's reading, made where an environment has gates (decision)
    "gitops_bot.release.promotion",
    "gitops_bot.engine.automation",  # auto_promote's soak, auto_rollback's verdict (decisions)
    "gitops_bot.release.soak",
    "gitops_bot.release.autorollback",
    "gitops_bot.registry.cloud.base",  # a cloud registry's login kit (registry.cloud's table)
    "gitops_bot.registry.cloud.aws",
    "gitops_bot.registry.cloud.gcp",
    "gitops_bot.registry.cloud.azure",
    "gitops_bot.policy.schemes.regex",  # a policy scheme the configuration does not name
    "gitops_bot.policy.schemes.numerical",
    "gitops_bot.engine.min_age_status",  # update's min_age waiting list
    # the forges' entries and adapters: a config and a history read the registry's items alone
    "gitops_bot.forges.entries",
    "gitops_bot.forges.github",
    "gitops_bot.forges.gitlab",
    "gitops_bot.forges.gitea",
    "gitops_bot.forges.azure_devops",
    "gitops_bot.forges.bitbucket_cloud",
    "gitops_bot.forges.bitbucket_dc",
    # the output layer's renderers, imported by name when a result is printed in their format
    "gitops_bot.output.as_json",
    "gitops_bot.output.text",
    "gitops_bot.output.words",
    "gitops_bot.output.release_text",
    "gitops_bot.output.command_results",
    "gitops_bot.output.command_output",
    "gitops_bot.output.github",
    "gitops_bot.release.next_step",  # what a pull request does next: the release commands'
    "gitops_bot.release.proposal",  # a pull request's writer: a plan writes none
    # chart version readers, imported by name when a configuration has charts
    "gitops_bot.manifests.charts",
    "gitops_bot.manifests.charts_argocd",
    "gitops_bot.manifests.charts_lock",
    "gitops_bot.manifests.charts_nodes",
    "gitops_bot.manifests.charts_refs",
    "gitops_bot.manifests.argocd_appsets",  # ApplicationSet generators, when the reading meets one
    "gitops_bot.manifests.argocd_apps",  # Applications, Flux objects: where a file's text names one
    "gitops_bot.render.yielded",  # an app of apps' chart rendered, when the reading meets one
    # the configuration's sections a file may not write, each read by name when it is written
    "gitops_bot.config.windows",
    "zoneinfo",  # windows' time zones
    "gitops_bot.config.automation",
    "gitops_bot.config.gates",
    "gitops_bot.gate.checks",
    "gitops_bot.core.checks",
    "gitops_bot.config.charts",
    "gitops_bot.policy.ranges",  # a chart's or a prerelease's semver range grammar
    "gitops_bot.config.trust",
    "gitops_bot.trust",  # signatures: verify: and git: signing:
    "gitops_bot.config.notifications",
    "gitops_bot.notify",  # notifications: a plan sends none
    "sysconfig",
    "hmac",  # a body signed (webhooks received, notifications sent)
    "difflib",  # 'did you mean' of a configuration's mistake, a release's diff
    "html",  # its entity tables, for two escapes written out (core.outside.html_escaped)
    "email",  # an HTTP date's parser (core.instants.parse_http_date), where a server sends one
    # sections only some commands read, their defaults made when one is first asked
    "gitops_bot.config.argocd",
    "gitops_bot.config.metrics",
    "gitops_bot.gate.settings",  # the gates' servers
    "gitops_bot.gate.conditions",  # an environment's metrics and web gates
    "gitops_bot.config.events",
    "gitops_bot.events",  # watch's listener
    "gitops_bot.config.render",
    # (gitops_bot.render.settings is a plan's: the reading asks it whether a kubectl is found)
    "gitops_bot.config.dashboard",
    "gitops_bot.forges.issues",  # the issue board update and watch keep
)

PROBE = r"""
import dataclasses, json, os, sys
sys.modules["httpx._main"] = None  # as installed: httpx then has no command-line client
sys.modules["h2"] = None  # as installed without the `http2` extra: httpcore then loads no HTTP/2
undocumented = []  # our value types made with no docstring of their own
compiled = []  # our value types whose methods dataclasses wrote as source and compiled
making = []
_process_class = dataclasses._process_class
def process_class(cls, *args, **kwargs):
    if cls.__module__.startswith("gitops_bot") and cls.__dict__.get("__doc__") is None:
        undocumented.append(f"{cls.__module__}.{cls.__qualname__}")
    making.append(f"{cls.__module__}.{cls.__qualname__}")
    try:
        return _process_class(cls, *args, **kwargs)
    finally:
        making.pop()
dataclasses._process_class = process_class
_create_fn = dataclasses._create_fn
def create_fn(*args, **kwargs):
    if making and making[-1].startswith("gitops_bot") and making[-1] not in compiled:
        compiled.append(making[-1])
    return _create_fn(*args, **kwargs)
dataclasses._create_fn = create_fn
def first_request(event, args):
    if event == "socket.connect":
        loaded = sorted(name for name, module in sys.modules.items() if module is not None)
        print(json.dumps(compiled), file=sys.__stderr__, flush=True)
        print(json.dumps(undocumented), file=sys.__stderr__, flush=True)
        print(json.dumps(loaded), file=sys.__stderr__, flush=True)
        os._exit(0)
sys.addaudithook(first_request)
from gitops_bot.__main__ import main  # the console script's entry, as installed
main(sys.argv[1:])
print(json.dumps(None), file=sys.__stderr__, flush=True)
"""


def _repo(root: Path) -> Path:
    """One image in one environment, on a registry port nothing listens on: the plan's first
    request is the registry's, and the probe ends the process before it is answered."""
    (root / "overlays/dev").mkdir(parents=True)
    (root / "overlays/dev/kustomization.yaml").write_text(
        "resources: []\nimages:\n  - name: app\n    newName: 127.0.0.1:9/example/app\n    newTag: 1.0.0\n"
    )
    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n  - name: app\n    repository: 127.0.0.1:9/example/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n"
    )
    return root


def _loaded_at_first_request(
    repo: Path, kubectl: str | None = None
) -> tuple[list[str], list[str], list[str]]:
    """The modules loaded at the plan's first request, the value types made by then without a
    docstring, and those whose methods dataclasses compiled from source (``kubectl``: the one
    the plan finds, else none)."""
    # a bare environment and a temp dir of its own, as a user's machine has: in the whole suite
    # the start-up sweep met the other workers' live gitops-bot directories in the shared temp
    # dir and read their owner files (encodings.ascii), one module more than a plan alone; beside
    # the repository, not in it: the render's private copy of the tree, made there, would be
    # copied into itself until its path was too long, and the render refused
    tmp = repo.parent / "tmp"
    tmp.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "plan", "--repo", str(repo), "--output", "json"],
        # no kubectl, as on a bare laptop: where one is found the reading renders each
        # environment (render.tools and its machinery, by name); bench/ measures that plan
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(repo),
            "TMPDIR": str(tmp),
            "GITOPS_BOT_KUBECTL": kubectl or str(tmp / "no-kubectl"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    assert lines, done.stderr
    loaded = json.loads(lines[-1])
    assert loaded is not None, f"the plan sent no request: {done.stderr[-2000:]}"
    # setuptools' distutils-precedence.pth, which the dev venv's site runs at every start (an
    # installed product has no setuptools): the interpreter's, not the plan's
    loaded = [name for name in loaded if name != "_distutils_hack"]
    return loaded, list(json.loads(lines[-2])), list(json.loads(lines[-3]))


def test_a_plan_loads_at_most_its_modules_before_its_first_request(tmp_path: Path) -> None:
    loaded, _, _ = _loaded_at_first_request(_repo(tmp_path / "repo"))
    families = {
        name for name in loaded for family in NEVER if name == family or name.startswith(family + ".")
    }
    assert sorted(families) == []
    own = sorted(m for m in loaded if m.startswith("gitops_bot"))
    assert len(loaded) <= MOST_MODULES, f"{len(loaded)} modules ({len(own)} of gitops_bot): {own}"


def test_a_plain_kustomization_rendered_loads_no_deploy_tool_machinery(tmp_path: Path) -> None:
    loaded, _, _ = _loaded_at_first_request(_repo(tmp_path / "repo"), kubetools.kubectl())
    assert "gitops_bot.render.rendered_reading" in loaded  # the reading was held to the render
    assert sorted(set(NOT_RENDERED_PLAINLY) & set(loaded)) == []
    assert len(loaded) <= MOST_MODULES_RENDERED, f"{len(loaded)} modules"


def test_each_value_type_a_plan_makes_has_a_docstring(tmp_path: Path) -> None:
    """A dataclass without a docstring of its own gets one written at import, its signature
    read with ``inspect.signature``: paid by every run for text nobody reads (the 32 of a plan's
    start-up: 1.231 -> 1.221 G instructions to its first request under callgrind). Where a
    kubectl is found too: the reading renders the environment, with value types of its own (for
    a record, whose ``__init__`` is shared, the signature read is ``object``'s, parsed from its
    text: ~0.5 M instructions, the tokenizer's patterns compiled for it)."""
    for kubectl in (None, kubetools.kubectl()):
        _, undocumented, _ = _loaded_at_first_request(
            _repo(tmp_path / f"rendered-{bool(kubectl)}" / "repo"), kubectl
        )
        assert undocumented == [], kubectl


def test_each_value_type_a_plan_makes_is_a_record(tmp_path: Path) -> None:
    """``@dataclass`` writes a class's methods as source and compiles each (~3 M instructions a
    class); a ``@record`` shares its methods (gitops_bot.core.record). Where a kubectl is found
    too: the reading renders the environment, with value types of its own."""
    for kubectl in (None, kubetools.kubectl()):
        _, _, compiled = _loaded_at_first_request(_repo(tmp_path / f"made-{bool(kubectl)}" / "repo"), kubectl)
        assert compiled == [], kubectl

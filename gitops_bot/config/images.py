"""The ``images:`` section: each image's repository, tag policy, Helm keys and signature
policy (``verify:``, which an environment may override: read by :mod:`.trust`)."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import TYPE_CHECKING

from gitops_bot.config.kinds import BOOL, STR, ListOf, Nested, Scalar, derive_fields, imported, section_of
from gitops_bot.config.settings import ImageConfig
from gitops_bot.config.spec import Field, Same, Section, Values, matches, url_host
from gitops_bot.core.errors import UsageError
from gitops_bot.core.instants import parse_duration
from gitops_bot.core.model import ImageRef, Strategy, TagOrder
from gitops_bot.core.secret import metadata_host
from gitops_bot.core.settings import GOREGEXP
from gitops_bot.forges.settings import SourceConfig
from gitops_bot.policy.settings import PolicyConfig

if TYPE_CHECKING:
    pass

HELM_FIELDS = ("reference", "repository", "tag", "digest")
HELM_OPTIONS = ("digestInTag",)  # how the fields are written, not key paths


def _any_of(*keys: str) -> dict[str, object]:
    return {"anyOf": [{"required": [k]} for k in keys]}


# An image's (and a chart's) signature policy, imported by name when a file writes 'verify'
# (or the JSON Schema is written): a file without one loads neither config.trust nor the
# trust package's settings.
TRUST = "gitops_bot.config.trust"


verify_section = imported(TRUST, "VERIFY")


def _source(v: Values) -> SourceConfig:
    """``source: {repository: https://github.com/acme/app, revision_from_tag: "sha-(?P<sha>[0-9a-f]+)"}``"""
    pattern = v["revision_from_tag"]
    if pattern is not None and "sha" not in importlib.import_module(GOREGEXP).compiled(pattern).groupindex:
        raise v.error(
            v.line_of("revision_from_tag"), f"'revision_from_tag' of {v.what} needs a (?P<sha>...) group"
        )
    return SourceConfig(repository=v["repository"], revision_from_tag=pattern)


SOURCE = section_of(
    SourceConfig,
    _source,
    name="source",
)


def _helm(v: Values) -> tuple[tuple[str, str], ...]:
    """``helm: {repository: image.repository, tag: image.tag, digest: image.digest}``"""
    out: list[tuple[str, str]] = []
    for key in HELM_FIELDS:
        path = v[key]
        if path is None:
            continue
        if any(p == path for _, p in out):  # two fields written into one key would overwrite each other
            raise v.error(
                v.line_of(key), f"helm {key} path {path!r} of {v.parent} is another field's path too"
            )
        out.append((key, path))
    if not any(f in ("tag", "reference") for f, _ in out):
        if any(f == "digest" for f, _ in out):
            # a chart writing repository@digest (GCP's secrets-store provider, image.hash) has
            # no key for the tag a release chooses: naming the keys cannot make it releasable
            raise v.error(
                v.line,
                f"{v.what} needs 'tag' or 'reference' (the key paths): a release writes a tag and "
                "its digest, and a chart with a digest key alone (repository@digest in its template) "
                "has no key for the tag; add a tag key to the chart's values and template, or "
                "release this image by hand",
            )
        raise v.error(v.line, f"{v.what} needs 'tag' or 'reference' (the key paths)")
    if v["digestInTag"]:
        paths = dict(out)
        if "tag" not in paths or "digest" in paths:
            raise v.error(
                v.line_of("digestInTag"),
                f"digestInTag of {v.parent} needs a 'tag' path and no 'digest' path (the tag holds both)",
            )
        # The editor reads a digest path equal to the tag path as "tag@digest in one key".
        out.append(("digest", paths["tag"]))
    return tuple(out)


# each key path's own example; the registry is no key of its own: values splitting it out
# (registry: quay.io, repository: keycloak/keycloak) are one image, named as the chart joins them
_HELM_SAID = {
    "reference": "The dotted key path in Helm values of the whole reference, repository:tag (e.g. image, "
    "for image: ghcr.io/acme/app:1.2.0).",
    "repository": "The dotted key path in Helm values of the image's repository (e.g. image.repository). "
    "Where the values split out a registry: key (image: {registry: quay.io, repository: keycloak/keycloak}), "
    "name the image as the chart joins them, quay.io/keycloak/keycloak, and give this path alone: a "
    "release leaves the registry key as it is.",
    "tag": "The dotted key path in Helm values of the image's tag (e.g. image.tag).",
    "digest": "The dotted key path in Helm values of the image's digest, sha256:... (e.g. image.digest).",
}
HELM_PATH = matches(r"^[^.]+(\.[^.]+)*$", "helm {key} path {value!r} of {parent} must be like image.tag")
HELM = Section(
    (
        *(Field(k, STR, rules=(HELM_PATH,), description=_HELM_SAID[k]) for k in HELM_FIELDS),
        Field(
            HELM_OPTIONS[0],
            BOOL,
            False,
            description="Write the digest into the tag key as tag@sha256:... (for charts that build "
            "repository:tag and have no digest key).",
        ),
    ),
    _helm,
    name="helm",
    schema=_any_of("tag", "reference"),
)


# The tag policy's keys, declared on PolicyConfig; its range is a string or an integer to YAML
# (the rule refuses a float) and its min_age a duration or 0
_POLICY_FIELDS = derive_fields(
    PolicyConfig, {"range": Scalar((str, int, float)), "min_age": Scalar((str, int))}, {}
)
MIN_AGE = next(f for f in _POLICY_FIELDS if f.key == "min_age")


def min_age(value: str | int | None) -> timedelta | None:
    """The ``min_age`` value as read (already checked by :data:`MIN_AGE`'s rule)."""
    return None if value is None else parse_duration(str(value))


def _policy(v: Values) -> PolicyConfig:
    strategy, rng, pattern, extract = Strategy(v["policy"]), v["range"], v["pattern"], v["extract"]
    if rng is not None and strategy is not Strategy.SEMVER:
        raise v.error(v.line_of("range"), f"'range' only applies to policy semver ({v.what})")
    if strategy is Strategy.REGEX and pattern is None:
        raise v.error(v.line_of(), f"policy regex for {v.what} needs 'pattern' (and usually 'extract')")
    if extract is not None:
        if pattern is None:
            raise v.error(v.line_of("extract"), f"'extract' needs a 'pattern' ({v.what})")
        # a group's name, or a template as Flux's filterTags.extract ($ts, ${major}.${minor})
        extract, problem = importlib.import_module(GOREGEXP).extraction(pattern, extract)
        if problem:
            raise v.error(v.line_of("extract"), f"'extract' of {v.what} {problem} in the pattern")
    return PolicyConfig(
        strategy=strategy,
        range=None if rng is None else str(rng),
        prerelease=v["prerelease"],
        pattern=pattern,
        extract=extract,
        order=TagOrder(v["order"]),
        tag=v["tag"],
        allow=v["allow"],
        ignore=v["ignore"],
        allow_downgrade=v["allow_downgrade"],
        min_age=min_age(v["min_age"]),
    )


def _repository(v: Values) -> ImageRef:
    """The image's repository (default: its name), without tag or digest."""
    try:
        repository = ImageRef.parse(v["repository"])
    except UsageError as exc:
        raise v.error(v.line_of("repository" if "repository" in v.node else "name"), exc.message) from None
    if repository.tag or repository.digest:
        raise v.error(v.line_of("repository"), f"'repository' of {v.what} must not carry a tag or digest")
    metadata = metadata_host(url_host("//" + repository.registry))
    if metadata is not None:  # its registry is asked and its answers read, as a web gate's
        raise v.error(
            v.line_of("repository" if "repository" in v.node else "name"),
            f"the registry of {v.what} is {metadata}, this machine's cloud metadata service (its "
            "credentials): name the registry's own host",
        )
    return repository


def _image(v: Values) -> ImageConfig:
    if v["name"] in v.taken:
        raise v.error(v.line, f"image {v['name']!r} is listed twice")
    return ImageConfig(
        name=v["name"],
        repository=_repository(v),
        policy=_policy(v),
        platform=v["platform"],
        line=v.line,
        helm=v["helm"] or (),
        verify=v["verify"],
        source=v["source"],
    )


IMAGE = Section(
    (
        Field("name", STR, required=True, description="The kustomize image name, as in overlays' images:."),
        Field(
            "repository",
            STR,
            Same("name"),
            description="Where tags come from, without tag or digest (default: name).",
        ),
        *_POLICY_FIELDS,
        Field(
            "platform",
            STR,
            description="Pin this platform's digest from a multi-platform index (linux/arm64), "
            "instead of the index's.",
            rules=(
                matches(
                    r"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$",
                    "platform {value!r} of {what} must look like linux/amd64 or linux/arm64/v8",
                ),
            ),
        ),
        Field(
            "helm",
            Nested(HELM, "'helm' of {parent}"),
            description="Where this image is written in Helm values files: the key paths of its "
            "repository, tag and digest (or one reference).",
        ),
        Field(
            "verify",
            Nested(verify_section, "'verify' of {parent}"),
            description="Only digests signed so may be proposed or promoted: cosign keys or "
            "keyless identities (docs/concepts/trust.md).",
        ),
        Field(
            "source",
            Nested(SOURCE, "'source' of {parent}"),
            description="Where the image's source lives when its OCI labels do not say, so pull "
            "requests list the commits a release brings.",
        ),
    ),
    _image,
    name="image",
    named="image {name!r}",
    schema={
        "dependentRequired": {"extract": ["pattern"]},
        "if": {"properties": {"policy": {"const": "regex"}}, "required": ["policy"]},
        "then": {"required": ["pattern"]},
    },
)
IMAGES = ListOf(IMAGE, "images[{index}]", "'images' must be a list of images")

"""One small hierarchy of expected failures.

Each error carries a message that says what is wrong *and* what to do about it, and the
exit code the CLI maps it to. Anything that is not a ``GitOpsBotError`` is a bug and is
allowed to show a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gitops_bot.core.reading import ChartReading, ImageReading


class GitOpsBotError(Exception):
    """An expected failure: printed as one line, never as a traceback."""

    exit_code = 1
    # what the environments render, read from git before the failure (a registry that cannot
    # be reached does not unsay it): the JSON error document carries it
    reading: tuple[ImageReading | ChartReading, ...] = ()

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class UsageError(GitOpsBotError):
    """Bad arguments, a bad config file or a malformed input file."""

    exit_code = 2


class ConfigMissing(UsageError):
    """The repository has no gitops-bot.yaml: ``watch`` and the Action propose one (the
    onboarding pull request) instead of failing on it."""


class RemoteUnknown(UsageError):
    """The forge's repository or server cannot be told from the git remote: the configuration's
    fix is a key to set, and a command that writes the configuration (init) has its own flags."""


class FileError(UsageError):
    """A problem at a place in a file: the message starts with ``path:line:``."""

    def __init__(self, path: str, line: int | None, message: str, *, hint: str | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class ConfigError(FileError):
    """The gitops-bot.yaml file is wrong."""


class ManifestError(FileError):
    """A kustomization or manifest cannot be read or edited safely."""


class NotYaml(ManifestError):
    """A file that does not parse as YAML: a directory applied by kubectl leaves it out and
    applies the others, where a kustomization or a chart refuses the whole render."""


class ServiceUnavailable(GitOpsBotError):
    """A registry, git remote or API stayed unreachable after retries."""

    exit_code = 3


class RegistryUnavailable(ServiceUnavailable):
    pass


class RegistryAccessError(GitOpsBotError):
    """401/403/404 for one repository: that image is skipped with this reason, the run goes on."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class RegistryNotAsked(RegistryAccessError):
    """A registry the run chose not to ask (``init`` without ``--registry``): the image is
    skipped with this reason in the plan, but nothing went wrong, so no warning is logged."""


NOT_ASKED = "registry not asked: init reads no registry unless given --registry"


TokenFault = Literal[
    "refused", "unavailable", "no-token", "too-large", "expired", "insufficient-scope", "rejected"
]


class TokenServiceError(RegistryAccessError):
    """A registry's token service answered no usable token, or the registry refused the token
    it had just granted: that image is skipped with this one line naming the token service
    (its body is never read as the registry's answer). ``fault`` says which outcome
    (docs/concepts/registries.md). ``status`` is the registry's own 401 where the registry said
    it (``rejected``, ``insufficient-scope`` after a request), never the token service's: a 404
    from there must not read as "this manifest is absent"."""

    def __init__(
        self,
        message: str,
        *,
        fault: TokenFault,
        status: int | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, hint=hint)
        self.fault: TokenFault = fault
        self.retry_after = retry_after


class RegistryProtocolError(GitOpsBotError):
    """The registry answered something that violates the distribution spec (bad JSON, digest
    mismatch). Treated like an access error for that image: skipped with the reason."""


class QueryRefused(GitOpsBotError):
    """A metrics server read a gate's query and refused it (its message says why): asking
    again would not change it, and the gate's verdict is unknown."""


class GateClosed(GitOpsBotError):
    """A promotion refused by a gate, a hold or the promotion chain: nothing was changed."""

    exit_code = 4


class GitError(ServiceUnavailable):
    """The remote refused or could not be reached. ``detail`` is git's whole (redacted) output."""

    def __init__(self, message: str, *, hint: str | None = None, detail: str = "") -> None:
        super().__init__(message, hint=hint)
        self.detail = detail


class PushRejected(ServiceUnavailable):
    """The remote moved under us (non-fast-forward, stale lease, another bot's concurrent
    update of the same ref). Past the race deadline the run ends with exit 3."""


class ForgeError(GitOpsBotError):
    """The forge refused a request (401/403/404/409/422, any forge): one rule, exit 3, like
    an unavailable forge (docs/reference/exit-codes.md); the hint names the token or setting
    to fix."""

    exit_code = 3

    def __init__(
        self, message: str, *, status: int | None, hint: str | None = None, race: bool = False
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        # the refusal is the race of another run that made the same thing a moment ago (a
        # pull request for the branch exists): a value the forge's adapter read from the
        # forge's error answer, never a match on this message
        self.race = race


class ForgeUnavailable(ServiceUnavailable):
    pass

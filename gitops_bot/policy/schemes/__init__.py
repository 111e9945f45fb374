"""How one strategy orders tags: a version scheme per module (semver, regex, alphabetical,
numerical, newest, digest), each implementing :class:`~.base.Scheme`, chosen from the
``strategy`` name through the one table :data:`SCHEMES`, as Renovate's versioning modules are.

Adding a scheme is one module and one line here; ``tests/unit/policy/test_schemes.py`` checks
every registered one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gitops_bot.core.model import Strategy
from gitops_bot.policy.schemes import alphabetical, digest, newest, numerical, regex, semver
from gitops_bot.policy.schemes.base import Scheme as Scheme
from gitops_bot.policy.settings import PolicyConfig

SCHEMES: Mapping[Strategy, Callable[[PolicyConfig], Scheme]] = {
    Strategy.SEMVER: semver.SemVer,
    Strategy.REGEX: regex.Regex,
    Strategy.ALPHABETICAL: alphabetical.Alphabetical,
    Strategy.NUMERICAL: numerical.Numerical,
    Strategy.NEWEST: newest.Newest,
    Strategy.DIGEST: digest.Digest,
}


def scheme_for(config: PolicyConfig) -> Scheme:
    """The scheme of ``config.strategy``, set up with the policy's options."""
    return SCHEMES[config.strategy](config)

"""How one strategy orders tags: a version scheme per module (semver, regex, alphabetical,
numerical, newest, digest), each implementing :class:`~.base.Scheme`, chosen from the
``strategy`` name through the one table :data:`SCHEMES`, as Renovate's versioning modules are.

Adding a scheme is one module and one line here; ``tests/unit/policy/test_schemes.py`` checks
every registered one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import cast

from gitops_bot.core.model import Strategy
from gitops_bot.policy.schemes.base import Scheme as Scheme
from gitops_bot.policy.settings import PolicyConfig

# Each strategy's scheme: its module and the class in it, imported by name when a policy of that
# strategy is set up (the command line's table's pattern): a run loads the schemes its images use
SCHEMES: Mapping[Strategy, tuple[str, str]] = {
    Strategy.SEMVER: ("gitops_bot.policy.schemes.semver", "SemVer"),
    Strategy.REGEX: ("gitops_bot.policy.schemes.regex", "Regex"),
    Strategy.ALPHABETICAL: ("gitops_bot.policy.schemes.alphabetical", "Alphabetical"),
    Strategy.NUMERICAL: ("gitops_bot.policy.schemes.numerical", "Numerical"),
    Strategy.NEWEST: ("gitops_bot.policy.schemes.newest", "Newest"),
    Strategy.DIGEST: ("gitops_bot.policy.schemes.digest", "Digest"),
}


def scheme_for(config: PolicyConfig) -> Scheme:
    """The scheme of ``config.strategy``, set up with the policy's options."""
    module, name = SCHEMES[config.strategy]
    return cast(Scheme, getattr(importlib.import_module(module), name)(config))

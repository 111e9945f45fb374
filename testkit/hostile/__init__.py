"""The hostile-services harness: every outside service the bot talks to (:data:`SERVICES`),
answering generated garbage (:func:`faults`) from one loopback server (:class:`HostileServer`)
whose answer is swapped per example, and each service's command held to the properties
:func:`problems` checks. tests/contract/hostile/ runs it; docs/testing.md says how to run it
at nightly size."""

from testkit.hostile.answers import KINDS, Fault, faults
from testkit.hostile.run import Outcome, World, problems
from testkit.hostile.server import HostileServer
from testkit.hostile.services import SERVICES, HostileService, Stage

__all__ = [
    "KINDS",
    "SERVICES",
    "Fault",
    "HostileServer",
    "HostileService",
    "Outcome",
    "Stage",
    "World",
    "faults",
    "problems",
]

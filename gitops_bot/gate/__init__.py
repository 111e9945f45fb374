"""The gates: whether what an environment runs may go further, each kind in one room.

- :mod:`.argocd`: Argo CD's record of the environment's applications (synced to what git
  says, healthy since when), behind :mod:`.port`; asked before a promotion and by soak and
  automatic rollback;
- :mod:`.metrics`: PromQL conditions over the soak, read from Prometheus (or a server that
  answers its API);
- :mod:`.web`: an endpoint's JSON answer and a condition on it;
- :mod:`.checks`: the forge's checks on the commit that released what the environment runs,
  read through the port the forges implement (:class:`gitops_bot.core.checks.CommitChecks`).

Every kind answers the decision one :class:`.reading.Reading` (outcome, rule, evidence, since
when): Argo CD's verdict through :func:`.argocd.reading`, the others as they read;
:mod:`gitops_bot.engine.gates` builds a run's gate clients once and reads each environment's
gates once, and the decision consumes only readings; each reading's :class:`.reading.GateKind`
(defined beside its gate) words it. Every gate asks its service through the one client of
outside services (:mod:`gitops_bot.net.service`) or the forge's adapter."""

"""What is true now and what to do about it, for one run over one repository: the session, the
plan and its registry fan-out, the lookups promotions, rollbacks and status need, the typed
results, and the one delivery every write goes through."""

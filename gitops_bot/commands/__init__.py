"""The use cases: one module per command (plan, update, promote, rollback, hold, history,
set-image), each a function over the ports, returning typed results that ``output`` renders
and that the CLI, the Action and ``watch`` call the same way."""

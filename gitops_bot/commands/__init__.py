"""What each command does, as a thin use case: its inputs (a typed request or plain
parameters) in, a typed result out, the engine asked to look up, decide and deliver. The CLI,
the Action and ``watch`` call them the same way; they import one another only where one is
made of others (``updater`` gathers them, ``fleet`` runs an ``Updater`` per repository)."""

"""gitops-bot: the release stage of Build -> Release -> Run, by pull request."""

__version__ = "0.1.0"

# The cyclic collector's first threshold for a run (``gc.set_threshold(GC_THRESHOLD, 10, 10)``,
# set by the command's entry point before anything else is imported, and by ``cli.main``): a
# run's objects are trees and records, hardly ever cyclic garbage, but a 1,000-image plan makes
# millions of them: at the default threshold (700 allocations) the collector ran ~330 times and
# walked the overlay's nodes and the plan again and again (0.1 s of CPU).
GC_THRESHOLD = 20_000

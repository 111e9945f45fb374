"""gitops-bot: the release stage of Build -> Release -> Run, by pull request."""

__version__ = "0.1.0"

# The cyclic collector's thresholds for a run (``gc.set_threshold(*GC_THRESHOLDS)``, set by the
# command's entry point before anything else is imported, and by ``cli.main``): a run's objects
# are trees and records, hardly ever cyclic garbage, but a 1,000-image plan makes millions of
# them: at the default first threshold (700 allocations) the collector ran ~330 times and walked
# the overlay's nodes and the plan again and again (0.1 s of CPU). The middle one: the
# interpreter's own start, at the defaults, counts most of the 10 young passes that trigger a
# middle-generation pass, so a plan made one during start-up, walking every module, class and
# function imported so far only to keep them (~12 ms of a 200-image plan); at 30 start-up makes
# none, and a long run makes a third as many, each over what the young passes kept since.
GC_THRESHOLD = 20_000
GC_THRESHOLDS = (GC_THRESHOLD, 30, 10)

"""How changes become commits: the workspace, the one git runner, the clone cache, history,
batches, trees and the push race — everything git that is not a forge."""

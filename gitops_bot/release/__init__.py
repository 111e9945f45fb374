"""What should change: the plan item for each image, a release's branch, commit and PR text,
promotions and rollbacks, holds, freezes, windows, the history read back from git, and the
automatic releases' decisions (soak, automatic rollback)."""

"""GitLab: merge requests through python-gitlab, its compare API, its merge subjects."""

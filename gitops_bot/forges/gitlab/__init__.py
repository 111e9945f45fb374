"""GitLab: merge requests through its REST API on the one client, its compare API, its merge subjects."""

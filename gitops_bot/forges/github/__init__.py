"""GitHub (and GitHub Enterprise): pull requests through its REST API, commits GitHub signs, its
compare API, its merge subjects."""

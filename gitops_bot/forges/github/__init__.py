"""GitHub (and GitHub Enterprise): pull requests through PyGithub, commits GitHub signs, its
compare API, its merge subjects."""

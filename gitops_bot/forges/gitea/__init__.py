"""Gitea and Forgejo: pull requests, the compare API and merge subjects they share."""

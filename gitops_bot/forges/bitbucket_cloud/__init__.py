"""Bitbucket Cloud: pull requests, commit listings for release contents, its merge subjects."""

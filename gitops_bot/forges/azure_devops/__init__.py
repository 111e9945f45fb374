"""Azure DevOps (Azure Repos): pull requests, commit listings for release contents, its
completion subjects."""

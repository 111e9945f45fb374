"""Where changes go: the git workspace and pull requests (GitHub)."""

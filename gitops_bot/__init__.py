"""gitops-bot: the release stage of Build -> Release -> Run, by pull request."""

__version__ = "0.1.0"

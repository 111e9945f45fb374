"""gitops-bot: the release stage of Build -> Release -> Run, by pull request."""

from gitops_bot.net import lazy_http2

__version__ = "0.1.0"

lazy_http2.install()  # before any module imports httpcore

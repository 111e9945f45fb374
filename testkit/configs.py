"""Config texts the tests build on."""

from __future__ import annotations

# the smallest config the reader accepts: one image, one environment
MINIMAL_CONFIG = """
images:
  - name: app
    repository: ghcr.io/acme/app
environments:
  - name: dev
    path: overlays/dev
"""

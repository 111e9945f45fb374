"""Registry webhooks into ``watch``: what a push looks like in each sender's format, how a
request proves where it comes from, and which images a push concerns.

* :mod:`.settings` the ``webhooks:`` settings (secrets by environment variable name).
* :mod:`.payloads` PURE: a request body -> the pushes it reports, per sender format.
* :mod:`.verify` authentication (HMAC signatures, bearer and path tokens), replay window.
* :mod:`.bearer` signed JWT bearers (Pub/Sub OIDC, EventBridge OAuth, Entra ID) against the
  issuer's key set, fetched through :mod:`gitops_bot.net`, cached and refetched boundedly.
* :mod:`.receiver` one request end to end: size cap, authentication, parsing, replays,
  targeting, and the answer (status + one line; Event Grid's handshakes); counts every
  request by source and outcome.
* :mod:`.trigger` debouncing: a burst of pushes becomes one targeted cycle.

This package's init imports nothing: ``config`` imports :mod:`.settings` (by name) where a
file writes ``webhooks:`` or ``watch`` asks for them.
"""

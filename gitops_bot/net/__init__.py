"""Outbound HTTP for every caller (registries, forges, Argo CD, notifications): one way to
reach the network, so proxies, trust, deadlines, size caps, retries and credentials behave the
same everywhere.

* :mod:`.tls` ``ssl_context(ca_file)``: the OS trust store (``truststore``) plus
  ``SSL_CERT_FILE``/``SSL_CERT_DIR`` plus an operator's private CA.
* :mod:`.proxy` ``proxy_for(url)``: ``HTTP(S)_PROXY``/``ALL_PROXY``/``NO_PROXY`` (both
  spellings) as curl and requests read them.
* :mod:`.deadline` ``until(t)``: a total deadline for every socket operation of the calls made
  inside it (a server dripping bytes cannot stretch a call); ``abort()`` ends them (SIGTERM).
* :mod:`.transport` ``Transport``: an ``httpx.BaseTransport`` over httpx's own, with the three
  above; ``client()`` an ``httpx.Client`` over it; ``fetch()`` one call with a total deadline
  and a streamed, capped body; ``send()`` the same for one exchange on a bare transport;
  ``Transport.exchange`` a registry's request on the same connections, below httpx's objects;
  ``KeptConnections`` and ``keeping``: one transport per origin kept across the services that
  ask to keep their connections (a forge's API, which ``watch`` connects anew each cycle).
  A registry's requests never import httpx: its pools are httpcore's, and httpx is imported
  where an httpx client, a proxy route or a failed exchange's error is made.
* :mod:`.limits` ``read_capped`` (stream, stop at the cap), ``loads`` (JSON with a depth bound).
* :mod:`.retry` THE retry policy of every outbound call (429/5xx/connect errors, Retry-After
  bounded, within a deadline).
* :mod:`.reach` ``not_reached``: a connection that was not made (refused, no address, no route,
  a TLS handshake) in words, with what to check: a host not reached, never an overloaded one.
* :mod:`.auth` ``OriginAuth``: a credential attached only to the origin it was configured for;
  :mod:`.origins` an URL's origin, read without httpx for a plain spelling.
* :mod:`.internals` the one place reaching inside httpx where it offers no public hook (the
  deadline backend under the pool httpx builds, and that pool for a registry's exchange), each
  use pinned by ``tests/unit/net/test_library_internals.py``. Nothing of a library is patched.

This package imports nothing of gitops_bot above ``errors``, ``instants`` and ``log``.
"""

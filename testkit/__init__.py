"""Real parts for tests, benchmarks and the demo: a distribution registry process, an OCI
pusher, a test CA and a Bearer token issuer. Not used by the bot itself."""

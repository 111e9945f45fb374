"""Trust: only signed digests are proposed or promoted (cosign key-based and keyless).

The app asks :class:`~gitops_bot.trust.verifier.Verifier` about each digest it is about to
write; the verifier reads the signatures from the registry (:mod:`.cosign`), checks them
against the image's ``verify:`` policy (:mod:`.keys`, :mod:`.keyless`) and answers a
:class:`~gitops_bot.core.model.Verification`. :mod:`.signing` signs the bot's own commits.

This package's init imports nothing: ``config`` imports :mod:`.settings`, and reading a
config should not load the verifier's crypto.
"""

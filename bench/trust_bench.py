"""Benchmark signature verification against a real local registry.

Pushes N images, signs each with a cosign key (``sha256-<hex>.sig``) and attaches a keyless
Sigstore bundle from a private Sigstore instance (referrers tag schema), then verifies every
digest with a key-only and with a keyless-only policy. Prints time and registry requests per
digest (distribution 2.8 has no referrers API: asked once, then the tag schema is read).

    .venv/bin/python bench/trust_bench.py --images 50
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from gitops_bot.config import RegistryConfig
from gitops_bot.registry.client import RegistryClient
from gitops_bot.trust.settings import KeylessConfig, KeyRef, VerifyConfig
from gitops_bot.trust.verifier import Verifier
from testkit import cosign
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.sigstore_root import SigstoreInstance

IDENTITY = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
ISSUER = "https://token.actions.githubusercontent.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=50)
    n = parser.parse_args().images
    work = Path(tempfile.mkdtemp(prefix="gitops-bot-trust-bench-"))
    with RegistryProcess(work / "registry") as reg:
        pusher = Pusher.to(reg.url)
        key, sigstore = cosign.new_key(), SigstoreInstance()
        (work / "cosign.pub").write_bytes(cosign.public_pem(key))
        (work / "trusted_root.json").write_text(sigstore.trusted_root())
        digests = []
        for i in range(n):
            digest = pusher.image("bench/app", f"1.0.{i}").digest
            cosign.sign_image(pusher, "bench/app", f"{reg.host}/bench/app", digest, key)
            bundle = sigstore.bundle(digest, IDENTITY, ISSUER)
            cosign.attach(pusher, "bench/app", digest, bundle, cosign.BUNDLE, cosign.BUNDLE)
            digests.append(digest)
        pusher.close()
        policies = {
            "cosign key": VerifyConfig(keys=(KeyRef(file="cosign.pub"),)),
            "keyless": VerifyConfig(keyless=KeylessConfig("trusted_root.json", ISSUER, identity=IDENTITY)),
        }
        for name, spec in policies.items():
            with RegistryClient(RegistryConfig(host=reg.host)) as client:
                verifier = Verifier(work, {})
                verifier.prepare(spec)
                start = time.perf_counter()
                ok = sum(verifier.verify(client, reg.host, "bench/app", d, spec).verified for d in digests)
                took = time.perf_counter() - start
                print(
                    f"{name:10} {ok}/{n} verified  {took / n * 1000:6.1f} ms/digest  "
                    f"{client.stats.total / n:.1f} requests/digest"
                )


if __name__ == "__main__":
    main()

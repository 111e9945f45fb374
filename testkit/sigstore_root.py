"""A private Sigstore instance in memory, for tests and the demo: a Fulcio-like CA, a CT log
and a Rekor-like log key, the ``trusted_root.json`` naming them, and keyless bundles (DSSE
in-toto statements naming an image digest) with a real SCT, inclusion promise and a one-leaf
inclusion proof with a signed checkpoint. Nothing is mocked: sigstore-python verifies these
exactly as it verifies the public-good instance's, offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.hazmat import asn1
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

_TIME = datetime(2026, 1, 1, tzinfo=UTC)
_ISSUER_OID = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
INTOTO = "application/vnd.in-toto+json"


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _log(key: ec.EllipticCurvePrivateKey, url: str) -> dict[str, Any]:
    return {
        "baseUrl": url,
        "hashAlgorithm": "SHA2_256",
        "logId": {"keyId": _b64(hashlib.sha256(_spki(key)).digest())},
        "publicKey": {
            "rawBytes": _b64(_spki(key)),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": "2025-01-01T00:00:00Z"},
        },
    }


@dataclass
class SigstoreInstance:
    ca_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    ct_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    log_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-fulcio")])
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.ca_key.public_key())
            .serial_number(1)
            .not_valid_before(_TIME - timedelta(days=1))
            .not_valid_after(_TIME + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False
            )
            .sign(self.ca_key, hashes.SHA256())
        )

    def trusted_root(self) -> str:
        return json.dumps(
            {
                "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
                "tlogs": [_log(self.log_key, "https://rekor.test")],
                "ctlogs": [_log(self.ct_key, "https://ct.test")],
                "certificateAuthorities": [
                    {
                        "subject": {"commonName": "test-fulcio", "organization": "test"},
                        "uri": "https://fulcio.test",
                        "certChain": {
                            "certificates": [
                                {"rawBytes": _b64(self.ca.public_bytes(serialization.Encoding.DER))}
                            ]
                        },
                        "validFor": {"start": "2025-01-01T00:00:00Z"},
                    }
                ],
            },
            indent=2,
        )

    def _leaf(self, key: ec.EllipticCurvePrivateKey, identity: str, issuer: str) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_TIME - timedelta(minutes=5))
            .not_valid_after(_TIME + timedelta(minutes=5))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]), True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()), False
            )
            .add_extension(x509.UnrecognizedExtension(_ISSUER_OID, issuer.encode()), False)
        )
        tbs = builder.sign(self.ca_key, hashes.SHA256()).tbs_certificate_bytes
        stamp = int(_TIME.timestamp() * 1000)
        signed = (
            struct.pack("!BBQH", 0, 0, stamp, 1)
            + hashlib.sha256(_spki(self.ca_key)).digest()
            + len(tbs).to_bytes(3, "big")
            + tbs
            + b"\x00\x00"
        )
        sig = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            b"\x00"
            + hashlib.sha256(_spki(self.ct_key)).digest()
            + struct.pack("!QH", stamp, 0)
            + struct.pack("!BBH", 4, 3, len(sig))
            + sig
        )
        scts = struct.pack("!HH", len(sct) + 2, len(sct)) + sct
        ext = x509.UnrecognizedExtension(
            ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS, asn1.encode_der(scts)
        )
        return builder.add_extension(ext, False).sign(self.ca_key, hashes.SHA256())

    def bundle(
        self,
        digest: str,
        identity: str,
        issuer: str,
        *,
        log_index: int = 0,
        log_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> bytes:
        """A keyless bundle for ``digest`` signed as ``identity``; ``log_key`` other than the
        instance's makes an entry the trusted log never included."""
        log_key = log_key or self.log_key
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self._leaf(key, identity, issuer)
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "image", "digest": {"sha256": digest.removeprefix("sha256:")}}],
            "predicateType": "https://sigstore.dev/cosign/sign/v1",
            "predicate": {},
        }
        payload = json.dumps(statement, separators=(",", ":")).encode()
        pae = f"DSSEv1 {len(INTOTO)} {INTOTO} {len(payload)} ".encode() + payload
        signature = key.sign(pae, ec.ECDSA(hashes.SHA256()))
        envelope = {"payload": _b64(payload), "payloadType": INTOTO, "signatures": [{"sig": _b64(signature)}]}
        pem = cert.public_bytes(serialization.Encoding.PEM)
        body = rfc8785.dumps(
            {
                "kind": "dsse",
                "apiVersion": "0.0.1",
                "spec": {
                    "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
                    "envelopeHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(json.dumps(envelope).encode()).hexdigest(),
                    },
                    "signatures": [{"signature": _b64(signature), "verifier": _b64(pem)}],
                },
            }
        )
        return json.dumps(
            {
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "verificationMaterial": {
                    "certificate": {"rawBytes": _b64(cert.public_bytes(serialization.Encoding.DER))},
                    "tlogEntries": [self._entry(body, log_key, log_index)],
                },
                "dsseEnvelope": envelope,
            }
        ).encode()

    def _entry(self, body: bytes, log_key: ec.EllipticCurvePrivateKey, index: int) -> dict[str, Any]:
        log_id = hashlib.sha256(_spki(log_key)).digest()
        leaf = hashlib.sha256(b"\x00" + body).digest()
        note = f"rekor.test\n1\n{_b64(leaf)}\n"
        note_sig = log_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        integrated = int(_TIME.timestamp())
        promise = rfc8785.dumps(
            {"body": _b64(body), "integratedTime": integrated, "logID": log_id.hex(), "logIndex": index}
        )
        return {
            "logIndex": str(index),
            "logId": {"keyId": _b64(log_id)},
            "kindVersion": {"kind": "dsse", "version": "0.0.1"},
            "integratedTime": str(integrated),
            "canonicalizedBody": _b64(body),
            "inclusionPromise": {
                "signedEntryTimestamp": _b64(log_key.sign(promise, ec.ECDSA(hashes.SHA256())))
            },
            "inclusionProof": {
                "logIndex": "0",
                "rootHash": _b64(leaf),
                "treeSize": "1",
                "hashes": [],
                "checkpoint": {"envelope": note + f"\n— rekor.test {_b64(log_id[:4] + note_sig)}\n"},
            },
        }

"""A throw-away CA and certificates, for TLS and token-signing tests."""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class KeyPair:
    cert_pem: bytes
    key_pem: bytes
    cert_der: bytes

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        cert, key = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert.write_bytes(self.cert_pem)
        key.write_bytes(self.key_pem)
        key.chmod(0o600)
        return cert, key


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# A server's (or client's) certificate takes its key from a few made once a process: a fresh
# RSA-2048 key is ~50 ms of CPU, and a leaf's key only has to be the one its certificate names,
# whose trust comes from the CA's signature. A CA's key is always fresh: two CAs of one name and
# one key would each verify the other's certificates, and a foreign CA's would be trusted.
_LEAF_KEYS: list[rsa.RSAPrivateKey] = []
_LEAF_POOL = 4  # so two certificates made one after the other never share a key
_leaves = itertools.count()
_leaves_made = threading.Lock()


def _leaf_key() -> rsa.RSAPrivateKey:
    with _leaves_made:
        index = next(_leaves) % _LEAF_POOL
        if index == len(_LEAF_KEYS):
            _LEAF_KEYS.append(_key())
        return _LEAF_KEYS[index]


def _pair(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> KeyPair:
    return KeyPair(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
        cert_der=cert.public_bytes(serialization.Encoding.DER),
    )


def _builder(subject: str, issuer: x509.Name, public_key: rsa.RSAPublicKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
    )


def make_ca(name: str = "gitops-bot test CA") -> tuple[KeyPair, rsa.RSAPrivateKey, x509.Certificate]:
    key = _key()
    cert = (
        _builder(name, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]), key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return _pair(cert, key), key, cert


def make_server_cert(
    ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate, host: str = "127.0.0.1"
) -> KeyPair:
    key = _leaf_key()
    cert = (
        _builder(host, ca_cert.subject, key.public_key())
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return _pair(cert, key)


def make_self_signed(name: str = "gitops-bot token signer") -> KeyPair:
    return make_ca(name)[0]

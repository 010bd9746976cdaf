"""Key material for the agreement seal (``agreements/pdf.py``): a private key and a
self-signed certificate for it, as PEM.

Pure ``cryptography``, no Django: ``manage.py generate_seal_key`` writes a pair for
production (``AGREEMENT_SIGNING_KEY`` / ``AGREEMENT_SIGNING_CERT``), the development
fallback under ``var/signing/`` uses the same function, and so does the test suite.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

KEY_FILENAME = "agreement-seal.key.pem"
CERT_FILENAME = "agreement-seal.cert.pem"


def generate_seal_key_pair(
    *, common_name: str, organization: str, days: int = 3650, key_size: int = 3072
) -> tuple[bytes, bytes]:
    """(key_pem, cert_pem): an RSA key (PKCS#8, unencrypted) and a self-signed certificate
    usable for document signatures (digital signature + non-repudiation)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def write_private(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write a file atomically, readable by its owner only (``mode``) from the start."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def key_matches_certificate(key_pem: bytes, cert_pem: bytes, password: bytes | None = None) -> bool:
    """Whether the certificate is the one of this private key (PEM or DER, either)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(key_pem, password=password)
    except ValueError:
        key = serialization.load_der_private_key(key_pem, password=password)
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        cert = x509.load_der_x509_certificate(cert_pem)
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.public_key().public_bytes(*fmt) == cert.public_key().public_bytes(*fmt)

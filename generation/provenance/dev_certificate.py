"""A development C2PA signing chain: a CA and an end-entity certificate it issued, made with `cryptography`.

c2pa-rs refuses a bare self-signed leaf: the signer must be an end-entity certificate (not a CA) with the
digitalSignature key usage and an extended key usage C2PA accepts (emailProtection here), issued by a CA whose
certificate travels in the chain. ES256 (P-256) keeps the signature small. Never for production: the CA is ours,
so validators report the manifest as valid but not trusted.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ORGANISATION = "shop_video development"
SIGNER_DAYS = 365
CA_DAYS = 3650


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def dev_certificate_chain(
    *, now: datetime.datetime | None = None, signer_days: int = SIGNER_DAYS
) -> tuple[bytes, bytes]:
    """(chain PEM: the signer's certificate then the CA's, the signer's private key PEM). `now` and
    `signer_days` let tests make an expired chain."""
    now = now or datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("shop_video development CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name("shop_video development signer"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=signer_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    chain = signer.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    private_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, private_key


def dev_certificate_write(*, cert_path: Path, key_path: Path, replace: bool = False) -> bool:
    """Write a development chain to cert_path and its key to key_path (owner-only), unless both exist and the
    certificate has a month left (replace=True always writes). True when it wrote."""
    from generation.provenance.certificates import certificate_expires_at

    if not replace and cert_path.exists() and key_path.exists():
        expires = certificate_expires_at(cert_path.read_bytes())
        if expires - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=30):
            return False
    chain, private_key = dev_certificate_chain()
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_tmp = key_path.with_name(f".{key_path.name}.tmp")
    fd = os.open(key_tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_key)
    cert_tmp = cert_path.with_name(f".{cert_path.name}.tmp")
    cert_tmp.write_bytes(chain)
    os.replace(key_tmp, key_path)
    os.replace(cert_tmp, cert_path)
    return True

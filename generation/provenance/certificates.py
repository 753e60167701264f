"""The signing certificate and key named by settings, checked and turned into a c2pa Signer.

Checked when a worker that assembles starts (generation/apps.py) and again before each signature: a missing,
unreadable, expired or mismatched certificate is an ImproperlyConfigured naming the setting to change."""

from __future__ import annotations

import datetime
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHMS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")
DEV_HINT = "for development run `python manage.py c2pa_dev_certificate` (make run does)"


def certificate_expires_at(chain_pem: bytes) -> datetime.datetime:
    """When the signing (first) certificate of a PEM chain stops being valid."""
    return x509.load_pem_x509_certificates(chain_pem)[0].not_valid_after_utc


def signing_files_check(*, cert_path: Path | None = None, key_path: Path | None = None) -> tuple[bytes, bytes]:
    """(chain PEM, key PEM) from the configured files, or ImproperlyConfigured saying which setting to change."""
    cert_path = Path(cert_path or settings.C2PA_SIGN_CERT)
    key_path = Path(key_path or settings.C2PA_SIGN_KEY)
    if settings.C2PA_SIGNING_ALG not in ALGORITHMS:
        raise ImproperlyConfigured(
            f"C2PA_SIGNING_ALG={settings.C2PA_SIGNING_ALG!r}: use one of {', '.join(ALGORITHMS)}."
        )
    for setting, path in (("C2PA_SIGN_CERT", cert_path), ("C2PA_SIGN_KEY", key_path)):
        if not path.is_file():
            raise ImproperlyConfigured(
                f"{setting}: {path} does not exist; point {setting} at the C2PA signing "
                f"{'certificate chain (PEM)' if setting == 'C2PA_SIGN_CERT' else 'private key (PEM)'}, or {DEV_HINT}."
            )
    chain = cert_path.read_bytes()
    try:
        certificates = x509.load_pem_x509_certificates(chain)
    except ValueError:
        raise ImproperlyConfigured(
            f"C2PA_SIGN_CERT: {cert_path} is not a PEM certificate chain; give the signing certificate, then its CA."
        ) from None
    signer = certificates[0]
    now = datetime.datetime.now(datetime.UTC)
    if signer.not_valid_after_utc <= now:
        raise ImproperlyConfigured(
            f"C2PA_SIGN_CERT: the certificate in {cert_path} ({signer.subject.rfc4514_string()}) expired on "
            f"{signer.not_valid_after_utc:%Y-%m-%d}; renew it and point C2PA_SIGN_CERT at the new chain, or {DEV_HINT}."
        )
    if signer.not_valid_before_utc > now:
        raise ImproperlyConfigured(
            f"C2PA_SIGN_CERT: the certificate in {cert_path} is not valid before "
            f"{signer.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; check the machine's clock or the certificate."
        )
    key_pem = key_path.read_bytes()
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(f"C2PA_SIGN_KEY: {key_path} is not an unencrypted PEM private key.") from None
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != signer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise ImproperlyConfigured(
            f"C2PA_SIGN_KEY: {key_path} is not the private key of the certificate in C2PA_SIGN_CERT ({cert_path})."
        )
    return chain, key_pem


def signer_get():
    """A c2pa Signer for the configured files; rebuilt when a file changes (a renewed certificate is picked up)."""
    cert_path, key_path = Path(settings.C2PA_SIGN_CERT), Path(settings.C2PA_SIGN_KEY)
    # Re-checked when a file changes (a renewed certificate) and daily (one that expires while the worker runs).
    stamps = (
        *(path.stat().st_mtime_ns if path.exists() else 0 for path in (cert_path, key_path)),
        datetime.date.today(),
    )
    return _signer_cached(str(cert_path), str(key_path), stamps, settings.C2PA_SIGNING_ALG, settings.C2PA_TSA_URL)


@lru_cache(maxsize=4)
def _signer_cached(cert_path: str, key_path: str, stamps: tuple, algorithm: str, tsa_url: str):
    import c2pa

    chain, key = signing_files_check(cert_path=Path(cert_path), key_path=Path(key_path))
    info = c2pa.C2paSignerInfo(algorithm, chain, key, tsa_url or None)
    return c2pa.Signer.from_info(info)

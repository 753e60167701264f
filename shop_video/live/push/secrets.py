"""Stream keys at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256), never stored or shown in clear.

The key is LIVE_STREAM_KEY_SECRET (a Fernet key: `python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`) or, when that is empty, derived from SECRET_KEY with HKDF-SHA256 (so a
rotated SECRET_KEY makes stored stream keys unreadable: set LIVE_STREAM_KEY_SECRET to rotate one independently).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HINT_CHARACTERS = 4


class StreamKeyUnreadable(Exception):
    """The stored key was encrypted with another secret (SECRET_KEY or LIVE_STREAM_KEY_SECRET changed)."""


def _fernet() -> Fernet:
    configured = getattr(settings, "LIVE_STREAM_KEY_SECRET", "")
    if configured:
        return Fernet(configured.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shop_video live stream keys").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def stream_key_encrypt(stream_key: str) -> str:
    return _fernet().encrypt(stream_key.encode()).decode()


def stream_key_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise StreamKeyUnreadable(
            "the stream key cannot be decrypted (SECRET_KEY or LIVE_STREAM_KEY_SECRET changed): enter it again"
        ) from None


def stream_key_hint(stream_key: str) -> str:
    """The last characters shown after the mask; none for a key too short to give any away."""
    return stream_key[-HINT_CHARACTERS:] if len(stream_key) >= 4 * HINT_CHARACTERS else ""

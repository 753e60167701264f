"""`make run`'s secret key: made once per machine, kept in VAR_DIR/secret_key (mode 0600), read by every process
of that machine that has no SECRET_KEY of its own (the web app, the worker, manage.py commands), so sessions,
file names and stored stream keys agree between them. Production sets SECRET_KEY and never reads this file
(settings.py reads it only with DEBUG or LOCAL_SERVER on).

`python -m shop_video.local_secret` makes the file unless it is there (the Makefile's `run` does this first).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def local_secret_key_read(*, var_dir: Path) -> str:
    """The key `make run` keeps in var_dir, or "" when there is none."""
    try:
        return (var_dir / FILE_NAME).read_text().strip()
    except FileNotFoundError:
        return ""


def local_secret_key_create(*, var_dir: Path) -> bool:
    """Write a new random key unless one is there (exclusive create: two starts at once keep one key)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(var_dir / FILE_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w") as file:
        file.write(secrets.token_urlsafe(64) + "\n")
    return True


if __name__ == "__main__":
    from shop_video.env import env_str

    folder = Path(env_str("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var")))
    made = local_secret_key_create(var_dir=folder)
    print(f"{'made' if made else 'kept'} the local secret key {folder / FILE_NAME}")

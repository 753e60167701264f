"""`python -m shop_video.ops.worker_liveness`: exit 0 when this machine's worker touched its heartbeat file
(WORKER_HEARTBEAT_FILE) within WORKER_LIVENESS_MAX_AGE_SECONDS, 1 otherwise, saying why. For a Kubernetes exec
liveness probe on a worker pod; it reads the settings module only (no apps, no database), so it is cheap."""

from __future__ import annotations

import argparse
import os
import sys
import time


def heartbeat_age(path: str) -> float | None:
    try:
        return time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")
    from django.conf import settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(settings.WORKER_HEARTBEAT_FILE))
    parser.add_argument("--max-age", type=float, default=settings.WORKER_LIVENESS_MAX_AGE_SECONDS)
    options = parser.parse_args(argv)
    age = heartbeat_age(options.file)
    if age is None:
        print(f"worker not alive: no heartbeat file {options.file} (not started, or another WORKER_HEARTBEAT_FILE)")
        return 1
    if age > options.max_age:
        print(f"worker not alive: its last heartbeat is {age:.1f} s old (limit {options.max_age:g} s): {options.file}")
        return 1
    print(f"worker alive: heartbeat {age:.1f} s old")
    return 0


if __name__ == "__main__":
    sys.exit(main())

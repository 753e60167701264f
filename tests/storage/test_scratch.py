"""The worker scratch cache (shop_video/scratch.py) over a real bucket: one download per object version, least
recently used copies evicted first, copies a task holds never evicted, "scratch full" when eviction cannot make
room, and two processes sharing the folder without ever seeing half a file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from shop_video.scratch import ScratchFull, scratch_path, scratch_release

KB = 1024


@pytest.fixture(autouse=True)
def _release_after_each_test():
    yield
    scratch_release()


def _store(name: str, size: int, seed: int = 0) -> bytes:
    body = hashlib.sha256(f"{name}:{seed}".encode()).digest() * (size // 32)
    default_storage.save(name, ContentFile(body))
    return body


def _copies(settings) -> list[Path]:
    return sorted((Path(settings.WORKER_SCRATCH_DIR) / "objects").iterdir())


def test_a_copy_is_downloaded_once_and_again_when_the_object_changes(s3_media, settings):
    first = _store("renders/a/1.mp4", 64 * KB)
    path = scratch_path("renders/a/1.mp4")
    assert path.read_bytes() == first and path.suffix == ".mp4"
    assert path.is_relative_to(settings.WORKER_SCRATCH_DIR)
    default_storage.delete("renders/a/1.mp4")  # a cached copy is used without downloading it again...
    scratch_release()
    with pytest.raises(FileNotFoundError):  # ...but its version is checked: a deleted object is not served stale
        scratch_path("renders/a/1.mp4")
    second = _store("renders/a/1.mp4", 64 * KB, seed=1)  # a retried shot overwrites its clip under the same name
    assert scratch_path("renders/a/1.mp4").read_bytes() == second


def test_least_recently_used_copies_are_evicted_first_and_held_copies_never(s3_media, settings):
    settings.WORKER_SCRATCH_MAX_GB = 250 * KB / 1024**3
    for name in ("a", "b", "c", "d"):
        _store(f"renders/x/{name}.ts", 100 * KB)
    path_a, path_b = scratch_path("renders/x/a.ts"), scratch_path("renders/x/b.ts")
    scratch_release()  # the task that used them ended
    os.utime(path_b, (1, 1))
    os.utime(path_a, (2, 2))  # a used after b
    path_c = scratch_path("renders/x/c.ts")  # needs room: b, the least recently used, goes
    assert path_a.exists() and not path_b.exists() and path_c.exists()
    # a and c are held by this task: d cannot make room without deleting what a running task reads.
    scratch_path("renders/x/a.ts")
    with pytest.raises(ScratchFull, match=r"^scratch full: renders/x/d.ts .*WORKER_SCRATCH_MAX_GB"):
        scratch_path("renders/x/d.ts")
    assert path_a.exists() and path_c.exists()
    assert not any((Path(settings.WORKER_SCRATCH_DIR) / "tmp").iterdir()), "no partial download left"
    scratch_release()
    assert scratch_path("renders/x/d.ts").exists()  # once let go, they can be evicted


def test_a_file_larger_than_the_whole_scratch_fails_scratch_full(s3_media, settings):
    settings.WORKER_SCRATCH_MAX_GB = 50 * KB / 1024**3
    _store("renders/big/video.mp4", 64 * KB)
    with pytest.raises(ScratchFull, match="^scratch full"):
        scratch_path("renders/big/video.mp4")


# Each process reads the objects several times in its own order (with a scratch that holds five of six),
# checks every byte, and lets go between rounds, as tasks do.
_READER = """
import hashlib, json, random, sys, django
django.setup()
from shop_video.scratch import scratch_path, scratch_release
expected = json.loads(sys.argv[1])
order = random.Random(int(sys.argv[2]))
for round in range(6):
    names = list(expected)
    order.shuffle(names)
    for name in names[:2]:
        digest = hashlib.sha256(scratch_path(name).read_bytes()).hexdigest()
        assert digest == expected[name], (name, digest)
    scratch_release()
print("ok")
"""


def test_two_processes_share_one_scratch_folder_safely(s3_media, settings, tmp_path):
    import json

    expected = {}
    for index in range(6):
        body = _store(f"renders/shared/{index}.mp4", 96 * KB, seed=index)
        expected[f"renders/shared/{index}.mp4"] = hashlib.sha256(body).hexdigest()
    max_gb = 5 * 100 * KB / 1024**3  # both hold two at a time; all six never fit
    env = {
        **os.environ,
        **s3_media.environment,
        "DJANGO_SETTINGS_MODULE": "shop_video.settings",
        "WORKER_SCRATCH_MAX_GB": repr(max_gb),
    }
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", _READER, json.dumps(expected), str(seed)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for reader in readers:
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0 and out.strip() == "ok", err[-2000:]
    root = Path(s3_media.environment["WORKER_SCRATCH_DIR"])
    assert sum(path.stat().st_size for path in (root / "objects").iterdir()) <= max_gb * 1024**3
    assert not any((root / "tmp").iterdir())

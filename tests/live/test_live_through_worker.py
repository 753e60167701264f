"""A live room end to end: a real worker renders and cuts three products, the stream is followed by ffmpeg over
HTTP for longer than a whole rotation, and what it recorded is decoded and matched frame by frame."""

from __future__ import annotations

import hashlib
import re
import subprocess
import threading
import time
import urllib.request
from decimal import Decimal
from itertools import groupby
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest

from catalog.services import VariantFields, product_image_add, product_upsert
from generation.models import VideoTemplate
from shop_video.live.models import LiveSegment
from shop_video.live.services import live_room_create
from tests import factories
from tests.e2e.conftest import _broker_available  # noqa: F401  (skip without a broker, as every e2e test)
from tests.e2e.worker import celery_worker, queues_purge, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A presenter segment per product, short enough to follow two whole rotations in a test: the host says the title
# and the price, then the price card (whose pixels show the price change).
TEMPLATE = "live-host"
TEMPLATE_SPEC = {
    "fps": 30,
    "music": False,
    "scenes": [
        {
            "type": "presenter",
            "duration": 3.5,
            "layout": "full",
            "script": "{{ product.title }}, {{ variant.price|price }}!",
        },
        {"type": "price_card", "duration": 1.5},
    ],
}
SHORT_SIDE = 128
PRODUCTS = [
    ("LIVE-A", "Red Kettle", (200, 30, 30)),
    ("LIVE-B", "Green Lamp", (30, 170, 60)),
    ("LIVE-C", "Blue Chair", (30, 60, 200)),
]
OLD_PRICE, NEW_PRICE = "24.00", "19.00"


def _segments_ready(room, count):
    segments = list(LiveSegment.objects.filter(item__room=room).select_related("item"))
    failed = [s for s in segments if s.status == LiveSegment.Status.FAILED]
    assert not failed, failed[0].error
    ready = [s for s in segments if s.status == LiveSegment.Status.READY]
    return ready if len(ready) >= count else None


def _segment_frames(segment: LiveSegment, media_root: Path) -> list[np.ndarray]:
    """The segment's frames, decoded from its chunks joined (MPEG-TS files concatenate)."""
    joined = b"".join((media_root / segment.media_dir / name).read_bytes() for name, _ in segment.chunks)
    path = media_root / f"joined-{segment.pk}.ts"
    path.write_bytes(joined)
    return _frames(path)


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]


def _digest(frame: np.ndarray) -> str:
    return hashlib.sha1(frame.tobytes()).hexdigest()


def _place(recorded: list[np.ndarray], index: dict) -> list[tuple[int, int] | None]:
    """(segment, frame number) of each recorded frame. A frame found in several places (the product shot of a
    segment and of its re-render with a new price are alike) continues the previous frame when it can; else it is
    the candidate whose run goes on longest through the frames that follow."""
    digests = [_digest(frame) for frame in recorded]

    def run_length(at: int, candidate: tuple[int, int]) -> int:
        length = 0
        while at + length < len(digests) and (candidate[0], candidate[1] + length) in index.get(
            digests[at + length], []
        ):
            length += 1
        return length

    placed, previous = [], None
    for at, digest in enumerate(digests):
        candidates = index.get(digest, [])
        following = previous and (previous[0], previous[1] + 1)
        if following in candidates:
            choice = following
        else:
            choice = max(candidates, key=lambda c: run_length(at, c), default=None)
        placed.append(choice)
        previous = choice
    return placed


def _summary(runs) -> list[tuple[int, int, int, int]]:
    return [(segment_id, numbers[0], numbers[-1], len(numbers)) for segment_id, numbers in runs]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _playlist_uris(text: str) -> dict[int, str]:
    sequence = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)[1])
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {sequence + offset: uri for offset, uri in enumerate(uris)}


def test_a_live_room_streams_a_rotation_that_ffmpeg_follows_across_the_loop(
    merchant, builtin_templates, live_server, tmp_path, settings
):
    started = time.monotonic()
    factories.presenter_make(merchant=merchant)
    VideoTemplate.objects.create(merchant=merchant, slug=TEMPLATE, name="Live host", spec=TEMPLATE_SPEC)
    for sku, title, colour in PRODUCTS:
        product = factories.product_make(merchant=merchant, sku=sku, title=title, price=OLD_PRICE, photos=0)
        product_image_add(product=product, data=factories.photo_bytes(colour=colour))
    queues_purge()
    log = tmp_path / "worker.log"
    with celery_worker(log):
        room = live_room_create(
            merchant=merchant,
            name="Kitchen live",
            skus=[sku for sku, _, _ in PRODUCTS],
            template_slug=TEMPLATE,
            short_side=SHORT_SIDE,
        )
        url = f"{live_server.url}{room.stream_path}"
        status, body = _get(url)
        assert status == 503 and "rendering" in body  # before any segment is ready
        ready = wait_for(lambda: _segments_ready(room, 3), timeout=150, what="three ready segments", log_path=log)
        rendered_at = time.monotonic()
        first = {s.item.position: s for s in ready}
        rotation = sum(first[p].duration for p in range(3))
        fps = 30
        follow_seconds = round(2 * rotation)
        # Decoded now: a segment's files go once the schedule no longer needs them (the old C, after the re-render).
        media_root = Path(settings.MEDIA_ROOT)
        frames_of = {s.pk: _segment_frames(s, media_root) for s in first.values()}

        status, text = _get(url)  # the schedule starts now, with the first product
        assert status == 200 and "#EXT-X-DISCONTINUITY" in text and "#EXT-X-ENDLIST" not in text
        out = tmp_path / "followed.ts"
        follower = subprocess.Popen(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-hide_banner",
                "-nostdin",
                "-v",
                "error",
                "-i",
                url,
                "-t",
                str(follow_seconds),
                "-c",
                "copy",
                "-y",
                str(out),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The third product's price changes just after the first cycle starts: its slot (12 s in) notices and
        # queues a re-render that the next cycle plays.
        product_upsert(
            merchant=merchant,
            key="live-c",
            title="Blue Chair",
            variants=[VariantFields(sku="LIVE-C", price=Decimal(NEW_PRICE), currency="USD")],
        )
        seen: dict[int, str] = {}
        reused: list[tuple[int, str, str]] = []
        stop = threading.Event()

        def poll():  # a second viewer polling every second: numbers must never be reused for another chunk
            while not stop.is_set():
                code, playlist = _get(url)
                if code == 200:
                    for sequence, uri in _playlist_uris(playlist).items():
                        if seen.setdefault(sequence, uri) != uri:
                            reused.append((sequence, seen[sequence], uri))
                stop.wait(1.0)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            _, stderr = follower.communicate(timeout=follow_seconds + 60)
        finally:
            if follower.poll() is None:
                follower.kill()
                follower.wait()
        followed_at = time.monotonic()
        item_c = first[2].item
        new_c = wait_for(
            lambda: item_c.segments.filter(status=LiveSegment.Status.READY).exclude(pk=first[2].pk).first(),
            timeout=90,
            what="the re-rendered segment",
            log_path=log,
        )
        frames_of[new_c.pk] = _segment_frames(new_c, media_root)
        wait_for(
            lambda: any(uri.startswith(f"seg/{new_c.pk}/") for uri in seen.values()),
            timeout=2 * rotation + 10,
            what="the playlist to play the new segment",
        )
        stop.set()
        poller.join(timeout=15)

    assert reused == []
    assert sorted(seen) == list(range(min(seen), max(seen) + 1))  # polled every second: no chunk went unlisted
    assert follower.returncode == 0, stderr
    assert stderr.strip() == "", stderr
    assert (new_c.price, first[2].price) == (NEW_PRICE, OLD_PRICE)

    # Every frame ffmpeg recorded is a frame of one of the segments, bit for bit (the chunks were copied).
    index: dict[str, list[tuple[int, int]]] = {}
    for segment_id, frames in frames_of.items():
        for number, frame in enumerate(frames):
            index.setdefault(_digest(frame), []).append((segment_id, number))
    recorded = _frames(out)
    placed = _place(recorded, index)
    assert placed.count(None) == 0, f"{placed.count(None)} of {len(recorded)} frames match no segment frame"
    assert abs(len(recorded) - follow_seconds * fps) <= fps, (len(recorded), follow_seconds)
    runs = [(segment_id, [number for _, number in group]) for segment_id, group in groupby(placed, key=lambda p: p[0])]
    order = [segment_id for segment_id, _ in runs]
    expected_cycle = [first[0].pk, first[1].pk, first[2].pk]
    assert order[:4] == expected_cycle + [first[0].pk], _summary(runs)  # the first product again after the loop
    for position, (segment_id, numbers) in enumerate(runs):
        # Every slot plays its segment's frames in order with none lost or doubled; only the recording's first and
        # last slot may be cut short.
        whole = list(range(len(frames_of[segment_id])))
        if position == 0:
            whole = whole[whole.index(numbers[0]) :]
        if position == len(runs) - 1:
            # `-t` cut the recording mid-chunk, in decoding order: the last frames may lack some B-frames.
            whole = [number for number in whole if number in numbers]
        assert numbers == whole, str(_summary(runs))
    loop = sum(len(numbers) for _, numbers in runs[:3])  # the last frame of the rotation, then the first of the next
    assert (placed[loop - 1], placed[loop]) == ((first[2].pk, len(frames_of[first[2].pk]) - 1), (first[0].pk, 0))
    if new_c.pk in order:
        assert order.index(new_c.pk) > order.index(first[2].pk)

    # The new segment's price card differs from the old one's, and only in a small area (the price).
    old_card, new_card = frames_of[first[2].pk][-1].astype(int), frames_of[new_c.pk][-1].astype(int)
    changed = np.abs(old_card - new_card) > 40
    assert changed.any() and changed.mean() < 0.25, changed.mean()

    print(
        f"\nrotation {rotation:.2f} s; rendered in {rendered_at - started:.0f} s; followed {follow_seconds} s "
        f"({followed_at - rendered_at:.0f} s wall); {len(recorded)} frames decoded; runs {_summary(runs)}; "
        f"total {time.monotonic() - started:.0f} s"
    )

"""Live rooms without a worker: the service's checks, the signal receiver, cutting, the price refresh, the stream's
views, the dashboard pages and the management command."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from io import StringIO
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from catalog.services import VariantFields, product_upsert
from generation.models import JobStatus, RenderJob, Rendition
from generation.signals import render_job_finished
from shop_video.live import dispatch, services
from shop_video.live.models import LiveRoom, LiveRoomItem, LiveSegment
from shop_video.media import media_local_path
from tests import factories
from tests.dashboard.conftest import client_for

TEMPLATE = "quick-bumper"
T0 = 2_000_000.0


@pytest.fixture
def products(merchant):
    return [
        factories.product_make(merchant=merchant, sku=sku, title=title)
        for sku, title in [("MUG-1", "Ceramic Mug"), ("TEE-2", "Cotton Tee"), ("CAP-3", "Wool Cap")]
    ]


@pytest.fixture
def room(merchant, products, builtin_templates, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.live_room_create(
            merchant=merchant,
            name="Kitchen live",
            skus=["MUG-1", "TEE-2", "CAP-3"],
            template_slug=TEMPLATE,
            short_side=64,
        )


def segment_ready(segment: LiveSegment, durations=(2.0, 2.0, 2.0)) -> LiveSegment:
    """Mark a segment ready with chunk files of stand-in bytes (the views only serve them)."""
    media_dir = services.live_segment_media_dir(segment)
    folder = Path(media_local_path(media_dir))
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(len(durations)):
        (folder / f"{number}.ts").write_bytes(b"G" + bytes([segment.pk % 256, number]) * 94)
    segment.status, segment.media_dir = LiveSegment.Status.READY, media_dir
    segment.chunks = [[f"{number}.ts", seconds] for number, seconds in enumerate(durations)]
    segment.save()
    return segment


def all_ready(room):
    segments = LiveSegment.objects.filter(item__room=room).order_by("item__position")
    return [segment_ready(segment) for segment in segments]


# --- creating ---------------------------------------------------------------------------------------------------


def test_a_room_gets_its_items_in_order_and_one_render_each(room, sent_tasks):
    assert [(item.position, item.sku) for item in room.items.all()] == [(0, "MUG-1"), (1, "TEE-2"), (2, "CAP-3")]
    assert len(room.key) >= 20 and room.stream_path == f"/live/{room.key}/index.m3u8"
    segments = LiveSegment.objects.filter(item__room=room).select_related("render_job", "item")
    assert len(segments) == 3 and len(sent_tasks["shots"]) == 3
    for segment in segments:
        job = segment.render_job
        assert segment.status == LiveSegment.Status.QUEUED and (segment.price, segment.currency) == ("24.00", "USD")
        assert job.metadata == {"live_room": room.pk, "live_item": segment.item_id}
        assert (job.aspect_ratios, job.short_side, job.template.slug) == (["9:16"], 64, TEMPLATE)


def test_unknown_skus_are_all_named_and_nothing_is_created(merchant, products, builtin_templates, sent_tasks):
    with pytest.raises(ValidationError) as caught:
        services.live_room_create(
            merchant=merchant, name="Bad", skus=["MUG-1", "NOPE-1", "NOPE-2"], template_slug=TEMPLATE
        )
    assert "NOPE-1, NOPE-2" in " ".join(caught.value.messages)
    assert not LiveRoom.objects.exists() and not RenderJob.objects.exists() and sent_tasks["shots"] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"template_slug": "no-such-template"}, "no-such-template"),
        ({"skus": ["MUG-1", "MUG-1"]}, "listed more than once"),
        ({"skus": []}, "at least one SKU"),
        ({"name": " "}, "Give the room a name"),
        ({"aspect_ratio": "3:2"}, "Aspect ratio '3:2'"),
        ({"short_side": 63}, "SKU MUG-1"),  # refused by the render itself, after the room was begun: rolled back
    ],
)
def test_bad_requests_say_what_to_change(merchant, products, builtin_templates, sent_tasks, options, message):
    arguments = {"merchant": merchant, "name": "Room", "skus": ["MUG-1"], "template_slug": TEMPLATE, **options}
    with pytest.raises(ValidationError) as caught:
        services.live_room_create(**arguments)
    assert message in " ".join(caught.value.messages)
    assert not LiveRoom.objects.exists() and not LiveRoomItem.objects.exists() and not RenderJob.objects.exists()


def test_another_merchants_sku_is_unknown(merchant, other_merchant, builtin_templates, sent_tasks):
    factories.product_make(merchant=other_merchant, sku="GLOBEX-1")
    with pytest.raises(ValidationError, match="GLOBEX-1"):
        services.live_room_create(merchant=merchant, name="Room", skus=["GLOBEX-1"], template_slug=TEMPLATE)


# --- renders finishing and cutting ---------------------------------------------------------------------------------


def test_a_failed_render_fails_its_segment_with_the_reason(room):
    segment = LiveSegment.objects.filter(item__room=room).first()
    RenderJob.objects.filter(pk=segment.render_job_id).update(status=JobStatus.FAILED, error="shot 1 ran out of memory")
    render_job_finished.send(sender=RenderJob, job_id=segment.render_job_id, event="render.failed")
    segment.refresh_from_db()
    assert segment.status == LiveSegment.Status.FAILED and "shot 1 ran out of memory" in segment.error


def test_a_succeeded_render_sends_the_cut_and_other_jobs_are_ignored(
    room, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(dispatch, "segment_cut_send", lambda *, segment_id: sent.append(segment_id))
    segment = LiveSegment.objects.filter(item__room=room).first()
    with django_capture_on_commit_callbacks(execute=True):
        render_job_finished.send(sender=RenderJob, job_id=segment.render_job_id, event="render.succeeded")
        render_job_finished.send(sender=RenderJob, job_id=10**9, event="render.succeeded")
    assert sent == [segment.pk]


def _small_mp4(path: Path, seconds: float) -> None:
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=64x114:rate=30:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            "-y",
            str(path),
        ],
        check=True,
    )


def test_cutting_makes_two_second_mpegts_chunks_at_a_deterministic_place(room, settings):
    segment = LiveSegment.objects.select_related("render_job").filter(item__room=room).first()
    job = segment.render_job
    rendition_name = f"renders/acme/{job.pk}/9x16.mp4"
    source = Path(settings.MEDIA_ROOT) / rendition_name
    source.parent.mkdir(parents=True, exist_ok=True)
    _small_mp4(source, 5.0)
    Rendition.objects.create(job=job, aspect_ratio="9:16", file=rendition_name, width=64, height=114, duration=5.0)
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)

    services.live_segment_cut(segment_id=segment.pk)
    segment.refresh_from_db()
    assert segment.status == LiveSegment.Status.READY, segment.error
    assert [name for name, _ in segment.chunks] == ["0.ts", "1.ts", "2.ts"]
    # 5 s held to 5.33 s: whole video frames and whole AAC frames (tests/live/test_hls_timestamps.py).
    assert [round(seconds, 2) for _, seconds in segment.chunks] == [2.0, 2.0, 1.33]
    assert segment.media_dir == f"live/acme/{room.key}/{segment.pk}"
    folder = Path(settings.MEDIA_ROOT) / segment.media_dir
    assert (folder / "0.ts").read_bytes()[:1] == b"G"  # an MPEG-TS sync byte
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".partial-")]
    services.live_segment_cut(segment_id=segment.pk)  # a second delivery finds it claimed: nothing happens
    assert LiveSegment.objects.get(pk=segment.pk).status == LiveSegment.Status.READY


def test_cutting_without_a_rendition_fails_the_segment_with_the_reason(room):
    segment = LiveSegment.objects.filter(item__room=room).first()
    RenderJob.objects.filter(pk=segment.render_job_id).update(status=JobStatus.SUCCEEDED)
    services.live_segment_cut(segment_id=segment.pk)
    segment.refresh_from_db()
    assert segment.status == LiveSegment.Status.FAILED and "has no 9:16 rendition" in segment.error


# --- the playlist and the price refresh -------------------------------------------------------------------------


def test_a_price_change_is_rendered_at_the_items_next_slot_and_played_the_slot_after(
    room, merchant, sent_tasks, django_capture_on_commit_callbacks
):
    old_a, _, _ = all_ready(room)
    services.live_playlist_advance(key=room.key, now=T0)  # slot of MUG-1 begins
    product_upsert(
        merchant=merchant,
        key="mug-1",
        title="Ceramic Mug",
        variants=[VariantFields(sku="MUG-1", price=Decimal("19.5"), currency="USD")],
    )
    shots_before = len(sent_tasks["shots"])
    with django_capture_on_commit_callbacks(execute=True):
        for second in range(1, 16):  # MUG-1's next slot starts at 18 s, scheduled 2 s (the lookahead) before
            services.live_playlist_advance(key=room.key, now=T0 + second)
    assert len(sent_tasks["shots"]) == shots_before and old_a.item.segments.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.live_playlist_advance(key=room.key, now=T0 + 16)
    new_a = old_a.item.segments.order_by("-id").first()
    assert new_a != old_a and new_a.status == LiveSegment.Status.QUEUED and new_a.price == "19.50"
    assert len(sent_tasks["shots"]) == shots_before + 1
    services.live_playlist_advance(key=room.key, now=T0 + 17.5)  # already queued: not again
    assert old_a.item.segments.count() == 2
    segment_ready(new_a)
    for second in range(18, 36):
        text = services.live_playlist_advance(key=room.key, now=T0 + second)
    assert f"seg/{old_a.pk}/" in text and f"seg/{new_a.pk}/" not in text  # this cycle's slot keeps the old one
    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion commits
        for second in range(36, 40):
            text = services.live_playlist_advance(key=room.key, now=T0 + second)
    assert f"seg/{new_a.pk}/0.ts" in text
    with django_capture_on_commit_callbacks(execute=True):
        for second in range(40, 52):
            text = services.live_playlist_advance(key=room.key, now=T0 + second)
    assert f"seg/{old_a.pk}/" not in text
    # no longer listed or scheduled: the old segment and its files are gone
    assert not LiveSegment.objects.filter(pk=old_a.pk).exists()
    assert not (Path(media_local_path(old_a.media_dir))).exists()


def test_a_cancelled_render_does_not_block_the_price_refresh(room, merchant, sent_tasks):
    segments = all_ready(room)
    services.live_playlist_advance(key=room.key, now=T0)
    product_upsert(
        merchant=merchant,
        key="tee-2",
        title="Cotton Tee",
        variants=[VariantFields(sku="TEE-2", price=Decimal("30"), currency="USD")],
    )
    services.live_playlist_advance(key=room.key, now=T0 + 4)  # TEE-2's slot (6 s) is scheduled: re-render queued
    stuck = segments[1].item.segments.order_by("-id").first()
    assert stuck.status == LiveSegment.Status.QUEUED and stuck.price == "30.00"
    RenderJob.objects.filter(pk=stuck.render_job_id).update(status=JobStatus.CANCELLED)
    product_upsert(
        merchant=merchant,
        key="tee-2",
        title="Cotton Tee",
        variants=[VariantFields(sku="TEE-2", price=Decimal("31"), currency="USD")],
    )
    services.live_playlist_advance(key=room.key, now=T0 + 22)  # its next slot (24 s)
    stuck.refresh_from_db()
    assert stuck.status == LiveSegment.Status.FAILED and "cancelled" in stuck.error
    assert segments[1].item.segments.order_by("-id").first().price == "31.00"


def test_a_failed_item_is_skipped_and_the_others_play(room):
    segments = list(LiveSegment.objects.filter(item__room=room).order_by("item__position"))
    segment_ready(segments[0])
    segment_ready(segments[2])
    LiveSegment.objects.filter(pk=segments[1].pk).update(status=LiveSegment.Status.FAILED, error="boom")
    texts = [services.live_playlist_advance(key=room.key, now=T0 + second) for second in range(13)]
    assert f"seg/{segments[2].pk}/0.ts" in texts[-1] and f"seg/{segments[1].pk}/" not in "".join(texts)


# --- the stream's views -----------------------------------------------------------------------------------------


def test_the_playlist_is_503_with_retry_after_until_a_segment_is_ready(room, client):
    response = client.get(f"/live/{room.key}/index.m3u8")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "still rendering" in response.content.decode()
    LiveSegment.objects.filter(item__room=room).update(status=LiveSegment.Status.FAILED, error="no photos")
    response = client.get(f"/live/{room.key}/index.m3u8")
    assert response.status_code == 503 and "could be rendered" in response.content.decode()


def test_the_playlist_and_its_chunks(room, client):
    segments = all_ready(room)
    response = client.get(f"/live/{room.key}/index.m3u8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"] == "public, max-age=1"  # a CDN absorbs the polling (docs in views.py)
    text = response.content.decode()
    assert text.startswith("#EXTM3U") and f"seg/{segments[0].pk}/0.ts" in text
    chunk = client.get(f"/live/{room.key}/seg/{segments[0].pk}/0.ts")
    assert chunk.status_code == 200 and chunk["Content-Type"] == "video/mp2t"
    assert b"".join(chunk.streaming_content)[:1] == b"G"
    assert client.get(f"/live/{room.key}/seg/{segments[0].pk}/3.ts").status_code == 404
    assert client.get(f"/live/{room.key}/seg/999999/0.ts").status_code == 404


def test_unknown_and_switched_off_rooms(room, client, merchant, products, django_capture_on_commit_callbacks):
    assert client.get("/live/not-a-room-key/index.m3u8").status_code == 404
    segments = all_ready(room)
    with django_capture_on_commit_callbacks(execute=True):
        other = services.live_room_create(
            merchant=merchant, name="Other", skus=["CAP-3"], template_slug=TEMPLATE, short_side=64
        )
    # a segment of one room is not served under another room's key
    assert client.get(f"/live/{other.key}/seg/{segments[0].pk}/0.ts").status_code == 404
    LiveRoom.objects.filter(pk=room.pk).update(is_active=False)
    assert client.get(f"/live/{room.key}/index.m3u8").status_code == 410
    assert client.get(f"/live/{room.key}/seg/{segments[0].pk}/0.ts").status_code == 404


# --- the dashboard ------------------------------------------------------------------------------------------------


def test_the_dashboard_lists_and_shows_the_merchants_rooms(room, merchant):
    segments = all_ready(room)
    services.live_playlist_advance(key=room.key)
    member = client_for(merchant)
    listing = member.get("/app/live/")
    assert listing.status_code == 200 and "Kitchen live" in listing.content.decode()
    page = member.get(f"/app/live/{room.pk}/").content.decode()
    assert room.stream_path in page and "<video" in page and "Ceramic Mug" in page and "CAP-3" in page
    assert "Playing now" in page and f"render #{segments[0].render_job_id}" in page


def test_another_merchants_room_is_404_and_unlisted(room, other_merchant):
    outsider = client_for(other_merchant)
    assert outsider.get(f"/app/live/{room.pk}/").status_code == 404
    assert "Kitchen live" not in outsider.get("/app/live/").content.decode()


def test_signing_in_is_required_for_the_dashboard_but_not_the_stream(room):
    anonymous = Client()
    assert anonymous.get("/app/live/").status_code == 302
    assert anonymous.get(f"/app/live/{room.pk}/").status_code == 302
    assert anonymous.get(room.stream_path).status_code == 503


def test_a_room_is_created_from_the_dashboard_and_a_bad_sku_is_explained(
    merchant, products, builtin_templates, sent_tasks
):
    member = client_for(merchant)
    refused = member.post("/app/live/", {"name": "Morning", "skus": "MUG-1, NOPE-9", "template_slug": TEMPLATE})
    assert refused.status_code == 400 and "NOPE-9" in refused.content.decode()
    created = member.post("/app/live/", {"name": "Morning", "skus": "MUG-1, TEE-2", "template_slug": TEMPLATE})
    room = LiveRoom.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/app/live/{room.pk}/"
    assert list(room.items.values_list("sku", flat=True)) == ["MUG-1", "TEE-2"]


# --- the management command and the admin ----------------------------------------------------------------------


def test_the_command_prints_the_stream_path_on_its_last_line(merchant, products, builtin_templates, sent_tasks):
    out = StringIO()
    call_command(
        "create_live_room",
        "--merchant",
        "acme",
        "--skus",
        "MUG-1,TEE-2",
        "--template",
        TEMPLATE,
        "--short-side",
        "64",
        stdout=out,
    )
    room = LiveRoom.objects.get()
    assert out.getvalue().strip().splitlines()[-1] == f"/live/{room.key}/index.m3u8"
    assert room.short_side == 64 and room.items.count() == 2


def test_the_command_explains_refusals(merchant, products, builtin_templates, sent_tasks):
    with pytest.raises(CommandError, match="NOPE-1"):
        call_command("create_live_room", "--merchant", "acme", "--skus", "NOPE-1", "--template", TEMPLATE)
    with pytest.raises(CommandError, match="No merchant with slug 'nobody'"):
        call_command("create_live_room", "--merchant", "nobody", "--skus", "MUG-1")
    assert not LiveRoom.objects.exists()


def test_the_admin_shows_rooms_with_their_items_and_segments_read_only(room, admin_client):
    segment = all_ready(room)[0]
    assert admin_client.get("/admin/live/liveroom/").status_code == 200
    page = admin_client.get(f"/admin/live/liveroom/{room.pk}/change/").content.decode()
    assert "MUG-1" in page and room.key in page
    assert admin_client.get("/admin/live/livesegment/").status_code == 200
    assert admin_client.get(f"/admin/live/livesegment/{segment.pk}/change/").status_code == 200
    assert admin_client.get("/admin/live/livesegment/add/").status_code == 403


def test_a_room_renders_presenter_segments_with_its_own_presenter(merchant, products, builtin_templates, sent_tasks):
    factories.presenter_make(merchant=merchant)  # the shop's default
    night = factories.presenter_make(merchant=merchant, slug="night-host")
    room = services.live_room_create(merchant=merchant, name="Night shift", skus=["MUG-1", "TEE-2"], presenter=night)
    for segment in LiveSegment.objects.filter(item__room=room).select_related("render_job"):
        job = segment.render_job
        assert job.template.slug == "presenter-spotlight"  # LIVE_TEMPLATE: a presenter segment per product
        host = job.shots.get(scene=0)
        assert host.parameters["presenter_id"] == night.pk and host.engine == "presenter-cpu"
        assert host.prompt.startswith(f"Meet the {segment.item.product.title}!")


def test_a_room_of_a_shop_without_a_presenter_says_how_to_make_one(merchant, products, builtin_templates, sent_tasks):
    with pytest.raises(ValidationError, match="needs a presenter, and 'acme' has none yet"):
        services.live_room_create(merchant=merchant, name="Nobody home", skus=["MUG-1"])
    assert not LiveRoom.objects.exists()


def test_a_cut_whose_worker_died_is_sent_again_and_a_deleted_room_takes_its_files(
    room, settings, sent_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    sent = []
    monkeypatch.setattr(dispatch, "segment_cut_send", lambda *, segment_id: sent.append(segment_id))
    first, second, third = LiveSegment.objects.filter(item__room=room).order_by("item__position")
    segment_ready(first)
    segment_ready(second)
    third.status = LiveSegment.Status.RENDERING
    third.save()
    RenderJob.objects.filter(pk=third.render_job_id).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now() - timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.live_playlist_advance(key=room.key, now=T0)
    third.refresh_from_db()
    assert third.status == LiveSegment.Status.QUEUED and sent == [third.pk]
    folder = Path(media_local_path(first.media_dir))
    assert folder.is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        room.delete()
    assert not folder.exists()


@pytest.mark.parametrize("with_audio", [True, False])
def test_every_chunk_carries_video_and_audio_even_from_a_silent_rendition(tmp_path, with_audio):
    import av
    import numpy as np

    from generation.assembly.clipio import write_clip
    from shop_video.live.segments import hls_chunks_cut

    source = tmp_path / "clip.mp4"
    write_clip(np.full((75, 64, 48, 3), 120, np.uint8), 25, source)
    if with_audio:
        with_sound = tmp_path / "sound.mp4"
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-v",
                "error",
                "-i",
                str(source),
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=3",
                "-c:v",
                "copy",
                "-c:a",
                "aac",
                "-shortest",
                str(with_sound),
            ],
            check=True,
        )
        source = with_sound
    chunks = hls_chunks_cut(source=source, dest=tmp_path / "out", chunk_seconds=1, fps=25)
    # 3 s padded to 3.2 s: whole video frames and whole AAC frames (tests/live/test_hls_timestamps.py).
    assert [name for name, _ in chunks] == ["0.ts", "1.ts", "2.ts", "3.ts"]
    assert sum(seconds for _, seconds in chunks) == pytest.approx(3.2, abs=0.01)
    for name, _ in chunks:
        # As a player opens it (the playlist says MPEG-TS): the 0.2 s tail of a flat test picture is too few
        # packets for ffmpeg to guess the format from.
        with av.open(str(tmp_path / "out" / name), format="mpegts") as container:
            assert container.streams.video and container.streams.audio, name

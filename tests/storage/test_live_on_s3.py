"""A live room with media in a bucket: the cutter (a worker) uploads the chunks, and the playlist the web app builds
points at them in the bucket, where a player downloads them."""

from __future__ import annotations

import urllib.request

import pytest
from django.core.files import File

from generation.models import JobStatus, RenderJob, Rendition
from shop_video.live import services
from shop_video.live.models import LiveSegment
from tests.live.test_live_rooms import T0, _small_mp4, products, room  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_chunks_are_uploaded_and_the_playlist_points_at_them_in_the_bucket(s3_media, room, client, tmp_path):  # noqa: F811
    from django.core.files.storage import default_storage

    segment = LiveSegment.objects.select_related("render_job").filter(item__room=room).first()
    job = segment.render_job
    source = tmp_path / "9x16.mp4"
    _small_mp4(source, 3.0)
    with source.open("rb") as handle:
        name = default_storage.save(f"renders/acme/{job.pk}/9x16.mp4", File(handle))
    Rendition.objects.create(job=job, aspect_ratio="9:16", file=name, width=64, height=114, duration=3.0)
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)

    services.live_segment_cut(segment_id=segment.pk)
    segment.refresh_from_db()
    assert segment.status == LiveSegment.Status.READY, segment.error
    assert s3_media.keys(f"public/{segment.media_dir}") == [
        f"media/public/{segment.media_dir}/{chunk}" for chunk, _ in segment.chunks
    ]

    text = services.live_playlist_advance(key=room.key, now=T0)
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert uris and all(uri.startswith(s3_media.server.endpoint_url) for uri in uris), text
    with urllib.request.urlopen(uris[0], timeout=10) as response:
        assert response.read()[:1] == b"G"  # an MPEG-TS sync byte
    # The app's own chunk address still works: it sends the player to the bucket.
    response = client.get(f"/live/{room.key}/seg/{segment.pk}/0.ts")
    assert response.status_code == 302 and response["Location"].startswith(s3_media.server.endpoint_url)

"""Live rooms: MPEG-TS chunks cannot embed a C2PA manifest, so the playlist names the manifest of the signed
rendition each segment was cut from, and says whether it is AI-generated."""

import pytest

from generation.models import Rendition
from shop_video.live.models import LiveSegment
from tests.live.test_live_rooms import products, room, segment_ready  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_the_playlist_names_each_segments_manifest_and_whether_it_is_ai(room, client):  # noqa: F811
    segments = [segment_ready(s) for s in LiveSegment.objects.filter(item__room=room).order_by("item__position")]
    for number, segment in enumerate(segments[:2]):  # the third was rendered before signing: no manifest to name
        Rendition.objects.create(
            job=segment.render_job,
            aspect_ratio=room.aspect_ratio,
            file=f"renders/acme/{segment.render_job_id}/{room.aspect_ratio.replace(':', 'x')}.mp4",
            width=64,
            height=114,
            duration=6.0,
            ai_generated=number == 0,
            provenance={"ai_generated": number == 0, "manifests": {}},
        )
    text = client.get(f"/live/{room.key}/index.m3u8").content.decode()
    first = segments[0].render_job_id
    tag = f'#EXT-C2PA-MANIFEST:URI="/media/renders/acme/{first}/{room.aspect_ratio.replace(":", "x")}.c2pa"'
    assert f"{tag},AI-GENERATED=YES" in text
    lines = text.splitlines()
    # Named once, right before the segment's first listed chunk.
    assert lines[lines.index(f"{tag},AI-GENERATED=YES") + 2] == f"seg/{segments[0].pk}/0.ts"
    assert text.count("#EXT-C2PA-MANIFEST") == 1  # only the first slot is published yet

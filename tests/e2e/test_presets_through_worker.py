"""Every built-in preset, in all four aspect ratios, through a real worker: each rendition is probed (codec, pixel
format, size, duration to 0.1 s, audio, faststart, BT.709), its caption sidecars parse, its poster and animated
preview exist, and the brand's logo, the price card and a caption are seen where they belong on decoded frames."""

import io
import json
from decimal import Decimal

import av
import numpy as np
import pytest
import webvtt
from django.core.files.base import ContentFile
from PIL import Image

from catalog.models import Product, Variant
from generation.assembly import overlays
from generation.assembly.job_timeline import timeline_for_job
from generation.assembly.timeline import Style, rendition_size, safe_area
from generation.models import JobStatus, RenderJob
from generation.presets import PRESETS_DIR
from generation.services.render_jobs import render_job_create
from tests import factories
from tests.e2e.worker import celery_worker, queues_purge, wait_for
from tests.media_probe import probe_video

# Also `presets`: the broker reruns of `make test` (-m "e2e and not presets") skip this matrix; the broker changes
# nothing in how a preset looks, and once through a real worker proves it.
pytestmark = [pytest.mark.e2e, pytest.mark.presets, pytest.mark.django_db(transaction=True)]

ASPECTS = ("9:16", "1:1", "16:9", "4:5")
SHORT_SIDE = 240
PHOTOS = 2
LOGO = (255, 0, 255)  # a colour nothing else in the video has
ACCENT = (0, 200, 83)
# The presenter preset speaks with a presenter the merchant must have: tests/e2e/test_presenter_through_worker.py.
PRESETS = sorted(
    path.stem
    for path in PRESETS_DIR.glob("*.json")
    if not any(scene["type"] == "presenter" for scene in json.loads(path.read_text())["spec"]["scenes"])
)


SEGMENT_KINDS = {
    "ShotClip": "product_shots",
    "PriceCard": "price_card",
    "FeatureList": "features",
    "CallToAction": "cta",
    "LogoCard": "outro",
    "TitleCard": "title",
}


def _runs(scenes: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Consecutive segments of one kind (a scene's shots) joined into one scene."""
    runs: list[tuple[str, float, float]] = []
    for kind, start, end in scenes:
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1], end)
        else:
            runs.append((kind, start, end))
    return runs


@pytest.fixture
def storefront(merchant):
    product = factories.product_make(merchant=merchant, sku="MUG-1", photos=PHOTOS, price="18.00")
    Variant.objects.filter(sku="MUG-1").update(compare_at_price=Decimal("24.00"))
    Product.objects.filter(pk=product.pk).update(
        url="https://shop.example/mug", description="Holds 350 ml. Dishwasher safe. Glazed by hand in Porto."
    )
    logo = Image.new("RGBA", (200, 100), LOGO + (255,))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG")
    kit = merchant.brand_kits.get()
    kit.logo.save("logo.png", ContentFile(buffer.getvalue()), save=False)
    kit.accent_colour, kit.watermark_position = "#00c853", "bottom-right"
    kit.save()
    return product


def frames_at(path, times: list[float]) -> list[np.ndarray]:
    """The decoded frames shown at the given times (seconds)."""
    with av.open(str(path)) as container:
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    fps = 30
    return [decoded[min(len(decoded) - 1, int(t * fps))] for t in times]


def colour_share(region: np.ndarray, colour, tolerance=60) -> float:
    return float((np.abs(region.astype(int) - colour).max(axis=2) < tolerance).mean())


def test_every_preset_renders_in_all_four_aspect_ratios(merchant, storefront, builtin_templates, tmp_path):
    queues_purge()
    log = tmp_path / "worker.log"
    with celery_worker(log):
        jobs = {
            slug: render_job_create(
                merchant=merchant,
                template_slug=slug,
                sku="MUG-1",
                aspect_ratios=list(ASPECTS),
                short_side=SHORT_SIDE,
                engine="motion",
            )
            for slug in PRESETS
        }

        def finished():
            done = (JobStatus.SUCCEEDED, JobStatus.FAILED)
            return all(RenderJob.objects.get(pk=job.pk).status in done for job in jobs.values())

        wait_for(finished, timeout=900, what="every preset's render", log_path=log)

    for slug, job in jobs.items():
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, f"{slug}: {job.error}"
        spec = json.loads((PRESETS_DIR / f"{slug}.json").read_text())["spec"]
        renditions = {rendition.aspect_ratio: rendition for rendition in job.renditions.all()}
        assert set(renditions) == set(ASPECTS), slug
        for aspect, rendition in renditions.items():
            where = f"{slug} {aspect}"
            # Cuts move onto the music's beats and a scene short of photos is filled with detail shots, so the
            # segments come from the job's timeline; it must still hold the preset file's scenes, in order.
            timeline = timeline_for_job(job, aspect)
            scenes = [
                (SEGMENT_KINDS[type(segment.content).__name__], start, start + segment.duration)
                for start, segment in zip(timeline.starts(), timeline.segments)
            ]
            runs = _runs(scenes)
            assert [kind for kind, _, _ in runs] == [scene["type"] for scene in spec["scenes"]], where
            for scene, (kind, start, end) in zip(spec["scenes"], runs):  # a card lasts what the preset says
                if kind != "product_shots":  # a snap moves each of its two cuts by at most 0.25 s
                    assert abs((end - start) - scene["duration"]) <= 0.5 + 1e-6, f"{where}: {kind}"
            duration = timeline.duration
            width, height = rendition_size(aspect, SHORT_SIDE)
            probe = probe_video(rendition.file.path)
            assert (probe.video_codec, probe.pix_fmt, probe.width, probe.height) == (
                "h264",
                "yuv420p",
                width,
                height,
            ), where
            assert abs(probe.duration - duration) <= 0.1, f"{where}: {probe.duration} s, expected {duration} s"
            assert probe.audio_codec == "aac" and probe.faststart, where
            assert (probe.color_primaries, probe.color_trc, probe.colorspace) == ("bt709",) * 3, where
            with Image.open(rendition.poster.path) as poster:
                assert poster.format == "JPEG" and poster.size == (width, height), where
            with Image.open(rendition.preview.path) as preview:
                assert preview.format == "WEBP" and preview.is_animated, where
            vtt = webvtt.read(rendition.captions_vtt.path)
            srt = webvtt.from_srt(rendition.captions_srt.path)
            assert [c.text for c in vtt] == [c.text for c in srt] and vtt, where
            assert any("Ceramic Mug" in cue.text for cue in vtt), where
            _check_pixels(where, rendition.file.path, scenes, (width, height), vtt)


def _check_pixels(where, path, scenes, size, cues):
    width, height = size
    area = safe_area(width, height)
    shots = [(start, end) for kind, start, end in scenes if kind == "product_shots"]
    price_index = next((index for index, (kind, _, _) in enumerate(scenes) if kind == "price_card"), None)
    shot_time = (shots[0][0] + shots[0][1]) / 2
    # Just before the next scene starts entering: the card's content has fully entered and nothing covers it yet.
    # Some presets end on features and a call to action, with no price card.
    price_time = (
        None
        if price_index is None
        else (scenes[price_index + 1][1] if price_index + 1 < len(scenes) else scenes[price_index][2]) - 0.1
    )
    first_cue = cues[0]
    caption_time = (first_cue.start_in_seconds + first_cue.end_in_seconds) / 2
    shot, card, captioned = frames_at(path, [shot_time, price_time or shot_time, caption_time])

    # The logo watermark sits in the bottom-right corner of the safe area over the shots.
    corner = shot[area.top + area.height // 2 : area.bottom + height // 20, area.left + area.width // 2 :]
    assert colour_share(corner, LOGO) > 0.01, f"{where}: no logo in the bottom-right corner of the shot"
    assert colour_share(shot[: height // 2, : width // 2], LOGO) == 0, f"{where}: logo where it should not be"
    # The price card: the accent-coloured discount badge and the light price text on the brand background.
    if price_time is not None:
        assert colour_share(card, ACCENT) > 0.005, f"{where}: no discount badge on the price card"
        assert colour_share(card, (255, 255, 255), tolerance=40) > 0.005, f"{where}: no price text on the card"
        assert colour_share(card, LOGO) == 0, f"{where}: the watermark belongs over shots, not cards"
    # A caption: white text on a dark box where the caption drawer puts it, while its cue runs.
    layer = overlays.caption_layer(first_cue.text, size, Style())
    box = captioned[layer.y : layer.y + layer.image.shape[0], layer.x : layer.x + layer.image.shape[1]]
    assert layer.y > height // 2, f"{where}: the caption belongs in the lower half"
    dark = float((box.max(axis=2) < 70).mean())
    white = colour_share(box, (255, 255, 255), tolerance=40)
    assert dark > 0.3 and white > 0.03, f"{where}: no caption in its box ({dark=:.3f}, {white=:.3f})"

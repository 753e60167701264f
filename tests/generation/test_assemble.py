import numpy as np
import pytest
from django.core.files.base import ContentFile
from PIL import ImageFont

from generation.assembly.assemble import timeline_for_job
from generation.assembly.fonts import CJK_FONT, LATIN_FONT, title_font
from generation.assembly.render import render_title_image
from generation.assembly.timeline import ClipSegment, TitleCard
from generation.models import Shot
from generation.services import render_job_create
from tests import factories

pytestmark = pytest.mark.django_db


def _job(merchant, template="product-showcase", **kwargs):
    return render_job_create(merchant=merchant, template_slug=template, sku=kwargs.pop("sku", "MUG-1"),
                             short_side=kwargs.pop("short_side", 180), **kwargs)


def test_timeline_follows_the_template_scenes_with_title_price_and_brand_colours(
        merchant, product_with_photos, builtin_templates, sent_tasks):
    kit = merchant.brand_kits.get()
    kit.primary_colour, kit.secondary_colour = "#102030", "#fafafa"
    kit.save()
    job = _job(merchant, aspect_ratios=["9:16", "16:9"])
    for shot in Shot.objects.filter(job=job):
        shot.file.name = f"renders/acme/{shot.aspect_ratio.replace(':', 'x')}-{shot.position}.mp4"
        shot.save()
    portrait = timeline_for_job(job, "9:16")
    landscape = timeline_for_job(job, "16:9")
    assert (portrait.width, portrait.height, landscape.width, landscape.height) == (180, 320, 320, 180)
    assert {s.path for s in landscape.segments[1:]} != {s.path for s in portrait.segments[1:]}  # own shots
    title, *shots = portrait.segments
    assert title == TitleCard(title="Ceramic Mug", subtitle="$24.00", duration=1.5, background="#102030",
                              foreground="#fafafa")
    assert [type(s) for s in shots] == [ClipSegment, ClipSegment] and [s.duration for s in shots] == [3.0, 3.0]
    assert portrait.duration == pytest.approx(7.5) and portrait.music_path is None


def test_bumper_puts_the_title_after_the_shot_and_uses_the_brand_music(merchant, builtin_templates, sent_tasks):
    factories.product_make(merchant=merchant, sku="EUR-1", price="12.5", currency="EUR", photos=3)
    kit = merchant.brand_kits.get()
    kit.music.save("track.wav", ContentFile(b"RIFF"), save=True)
    job = _job(merchant, template="quick-bumper", sku="EUR-1")
    timeline = timeline_for_job(job, "9:16")
    assert [type(s).__name__ for s in timeline.segments] == ["ClipSegment", "TitleCard"]  # max_shots 1
    assert timeline.segments[1].subtitle == "€12.50"
    assert timeline.music_path.endswith(".wav")


def test_other_aspect_ratios_reuse_the_master_shots_of_a_costly_engine(merchant, product_with_photos,
                                                                      builtin_templates, sent_tasks, settings):
    settings.SHOT_ENGINES = {**settings.SHOT_ENGINES, "gpu-like": {"class": "x.Y", "queue": "gpu.test"}}
    job = _job(merchant, engine="gpu-like", aspect_ratios=["9:16", "16:9"])
    master = [s.duration for s in timeline_for_job(job, "9:16").segments]
    assert [s.duration for s in timeline_for_job(job, "16:9").segments] == master == [1.5, 3.0, 3.0]


def _draws(font_path, glyph: str) -> bool:
    """True when the font has the glyph: its mask differs from the font's own "missing" box."""
    font = ImageFont.truetype(str(font_path), 40)
    return font.getmask(glyph).getbbox() != font.getmask("\u0378").getbbox()  # U+0378 is unassigned


def test_bundled_title_fonts_draw_euro_accents_and_japanese_not_boxes():
    assert all(_draws(LATIN_FONT, glyph) for glyph in "€£é")
    assert all(_draws(CJK_FONT, glyph) for glyph in "バッグ鞄円")
    assert not _draws(LATIN_FONT, "バ")  # why a second font is needed
    image = render_title_image(TitleCard(title="Crème", subtitle="€12.50", duration=1, background="#000000",
                                         foreground="#ffffff"), (180, 320), font_path=LATIN_FONT)
    assert image.shape == (320, 180, 3) and np.asarray(image).max() > 200


def test_the_title_font_follows_the_titles_script_unless_the_brand_has_one(tmp_path):
    assert title_font("Linen Shirt", "€12.50") == LATIN_FONT
    assert title_font("No.10037 クロールバリエ 2WAY ショルダーバッグ", "¥9,350") == CJK_FONT  # the Meta feed
    assert title_font("真皮手袋") == CJK_FONT
    brand = tmp_path / "brand.otf"
    assert title_font("クロール", brand_font=brand) == brand


def test_an_assembly_over_its_time_limit_fails_the_job_with_what_to_change(merchant, product_with_photos,
                                                                         builtin_templates, sent_tasks, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded
    from django.utils import timezone

    from generation.assembly import assemble
    from generation.models import JobStatus, RenderJob

    job = _job(merchant)
    Shot.objects.filter(job=job).update(status=JobStatus.SUCCEEDED, file="renders/acme/x.mp4")
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, assembly_queued_at=timezone.now())

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(assemble, "render_timeline", too_slow)
    assemble.render_job_assemble(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == ("assembling the 9:16 rendition took longer than the time limit (ASSEMBLY_HARD_TIME_LIMIT); "
                         "shorten the video or raise the limit")

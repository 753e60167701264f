"""A job's timeline: the template's scenes become cards and shots, with the brand kit's look and switches, the
variant's prices, the description's bullets, transitions fitted, and captions timed to their scenes."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from PIL import ImageFont

from catalog.models import Product, Variant
from generation.assembly.fonts import CJK_FONT, LATIN_FONT, title_font
from generation.assembly.job_timeline import timeline_for_job
from generation.assembly.timeline import (
    CallToAction,
    FeatureList,
    LogoCard,
    PriceCard,
    ShotClip,
    Transition,
)
from generation.models import Shot, VideoTemplate
from generation.services.render_jobs import render_job_create
from shop_video.media import media_local_path
from tests import factories

pytestmark = pytest.mark.django_db

SPEC = {
    "fps": 30,
    "transition": {"type": "crossfade", "duration": 0.5},
    "scenes": [
        {"type": "intro", "duration": 1.5, "tagline": "{{ brand.name }} presents"},
        {"type": "product_shots", "duration": 2.0, "max_shots": 2, "caption": "{{ product.title }}", "badge": True},
        {"type": "features", "duration": 2.0, "heading": "Why it works", "max_bullets": 3},
        {
            "type": "price_card",
            "duration": 2.0,
            "headline": "{% if variant.compare_at_price %}Sale{% endif %}",
            "transition": {"type": "slide_left", "duration": 0.3},
        },
        {
            "type": "cta",
            "duration": 2.0,
            "text": "Buy {{ product.title }}",
            "url": "{{ product.url }}",
            "qr": True,
            "caption": "Tap the link",
        },
        {"type": "outro", "duration": 1.0},
    ],
}


@pytest.fixture
def on_sale(merchant):
    product = factories.product_make(merchant=merchant, sku="MUG-1", photos=2, price="18.00")
    Variant.objects.filter(sku="MUG-1").update(compare_at_price=Decimal("24.00"))
    Product.objects.filter(pk=product.pk).update(
        url="https://shop.example/mug",
        description="<ul><li>Holds 350 ml</li><li>Dishwasher safe</li><li>Glazed by hand</li><li>Fourth</li></ul>",
    )
    return product


def _png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (40, 20), (255, 0, 255, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def _job(merchant, spec=SPEC, **kwargs):
    VideoTemplate.objects.update_or_create(merchant=merchant, slug="full", defaults={"name": "Full", "spec": spec})
    job = render_job_create(
        merchant=merchant,
        template_slug="full",
        sku=kwargs.pop("sku", "MUG-1"),
        short_side=kwargs.pop("short_side", 180),
        **kwargs,
    )
    for shot in Shot.objects.filter(job=job):
        shot.file.name = f"renders/acme/{shot.aspect_ratio.replace(':', 'x')}-{shot.position}.mp4"
        shot.save()
    return job


def test_every_scene_type_becomes_its_card_in_order_with_the_variants_prices(merchant, on_sale, sent_tasks):
    kit = merchant.brand_kits.get()
    kit.primary_colour, kit.secondary_colour, kit.accent_colour = "#102030", "#fafafa", "#ff3366"
    kit.save()
    timeline = timeline_for_job(_job(merchant), "9:16")
    contents = [segment.content for segment in timeline.segments]
    assert [type(content).__name__ for content in contents] == [
        "LogoCard",
        "ShotClip",
        "ShotClip",
        "FeatureList",
        "PriceCard",
        "CallToAction",
        "LogoCard",
    ]
    assert contents[0] == LogoCard(
        name=merchant.name or merchant.slug, tagline=f"{merchant.name or merchant.slug} presents"
    )
    assert contents[3] == FeatureList(
        heading="Why it works", bullets=("Holds 350 ml", "Dishwasher safe", "Glazed by hand")
    )
    assert contents[4] == PriceCard(price="$18.00", compare_at="$24.00", discount="-25%", headline="Sale")
    assert contents[5] == CallToAction(text="Buy Ceramic Mug", url="https://shop.example/mug", qr=True)
    assert [segment.badge for segment in timeline.segments[1:3]] == ["-25%", "-25%"]
    assert (timeline.style.background, timeline.style.foreground, timeline.style.accent) == (
        "#102030",
        "#fafafa",
        "#ff3366",
    )


def test_transitions_overlap_scenes_and_the_first_scene_just_starts(merchant, on_sale, sent_tasks):
    # Without music, so no cut moves onto a beat (test_cuts_land_on_the_built_in_music_s_beats).
    timeline = timeline_for_job(_job(merchant, spec={**SPEC, "music": False}), "9:16")
    transitions = [segment.transition for segment in timeline.segments]
    crossfade = Transition("crossfade", 0.5)
    assert transitions == [
        Transition(),
        crossfade,
        crossfade,
        crossfade,
        Transition("slide_left", 0.3),
        crossfade,
        crossfade,
    ]
    # 1.5 + 2 + 2 + 2 + 2 + 2 + 1 seconds of scenes, less 5 x 0.5 and 1 x 0.3 of overlap.
    assert timeline.duration == pytest.approx(12.5 - 2.5 - 0.3)
    assert timeline.starts()[:3] == pytest.approx([0.0, 1.0, 2.5])


def test_cuts_land_on_the_built_in_music_s_beats(merchant, on_sale, sent_tasks):
    with_music = timeline_for_job(_job(merchant), "9:16")
    silent = timeline_for_job(_job(merchant, spec={**SPEC, "music": False}), "9:16")
    beats = with_music.music.beats
    assert beats and with_music.music.mood
    moved = 0
    for index, segment in enumerate(with_music.segments[1:], start=1):
        boundary = with_music.starts()[index] + segment.transition.duration / 2  # a cut, or a transition's middle
        before, unsnapped = with_music.segments[index - 1].duration, silent.segments[index - 1].duration
        # On a beat (to the frame) by changing the segment before it, or left as it was (no beat near enough).
        assert min(abs(beat - boundary) for beat in beats) <= 1 / 30 + 1e-6 or before == pytest.approx(unsnapped)
        assert abs(before - unsnapped) <= 0.25 + 1e-6
        moved += before != pytest.approx(unsnapped)
        if isinstance(with_music.segments[index - 1].content, ShotClip):  # a shot is trimmed, never held
            assert before <= unsnapped + 1e-6
    assert moved


def test_captions_span_their_scene_from_its_entrance_until_the_next_one_enters(merchant, on_sale, sent_tasks):
    timeline = timeline_for_job(_job(merchant), "9:16")
    starts = timeline.starts()
    title, tap = timeline.captions
    # From the end of the scene's entrance (not over the scene fading out) until the next scene starts to enter.
    assert (title.text, title.start, title.end) == (
        "Ceramic Mug",
        pytest.approx(starts[1] + 0.5),
        pytest.approx(starts[3]),
    )
    assert (tap.text, tap.start, tap.end) == ("Tap the link", pytest.approx(starts[5] + 0.5), pytest.approx(starts[6]))


def test_brand_kit_switches_leave_out_intro_and_outro_and_no_sale_means_no_badge(merchant, sent_tasks):
    factories.product_make(merchant=merchant, sku="MUG-1", photos=1)
    kit = merchant.brand_kits.get()
    kit.intro_enabled = kit.outro_enabled = False
    kit.save()
    timeline = timeline_for_job(_job(merchant), "1:1")
    contents = [segment.content for segment in timeline.segments]
    # No description: the features scene is left out rather than shown empty; no URL: no QR code. One photo for two
    # shots: the photo, then a detail shot of it.
    assert [type(content).__name__ for content in contents] == ["ShotClip", "ShotClip", "PriceCard", "CallToAction"]
    assert contents[2] == PriceCard(price="$24.00", compare_at="", discount="", headline="")
    assert contents[3].qr is False and contents[3].url == ""
    assert timeline.segments[0].badge == "" and timeline.segments[0].transition == Transition()
    assert (timeline.width, timeline.height) == (180, 180)


def test_the_brand_kits_music_logo_watermark_and_the_templates_music_settings(merchant, on_sale, sent_tasks):
    kit = merchant.brand_kits.get()
    kit.music.save("track.wav", ContentFile(b"RIFF"), save=False)
    kit.logo.save("logo.png", ContentFile(_png_bytes()), save=False)
    kit.watermark_position = "top-left"
    kit.save()
    spec = {**SPEC, "music": {"volume": 0.5, "fade_in": 0.1, "fade_out": 2.0}}
    timeline = timeline_for_job(_job(merchant, spec=spec), "9:16")
    assert timeline.music.path.endswith(".wav") and (
        timeline.music.volume,
        timeline.music.fade_in,
        timeline.music.fade_out,
    ) == (0.5, 0.1, 2.0)
    assert timeline.style.logo_path.endswith(".png") and timeline.watermark == "top-left"
    silent = timeline_for_job(_job(merchant, spec={**SPEC, "music": False}), "9:16")
    assert silent.music is None


def test_merge_fields_reach_the_cards_too(merchant, on_sale, sent_tasks):
    timeline = timeline_for_job(_job(merchant, merge_fields={"title": "Winter Mug"}), "9:16")
    assert timeline.segments[5].content.text == "Buy Winter Mug"
    assert timeline.captions[0].text == "Winter Mug"


def test_other_aspect_ratios_reuse_the_master_shots_of_a_costly_engine(merchant, on_sale, sent_tasks, settings):
    settings.SHOT_ENGINES = {**settings.SHOT_ENGINES, "gpu-like": {"class": "x.Y", "queue": "gpu.test"}}
    job = _job(merchant, engine="gpu-like", aspect_ratios=["9:16", "16:9"])
    portrait, landscape = timeline_for_job(job, "9:16"), timeline_for_job(job, "16:9")
    shots = lambda timeline: [s.content.path for s in timeline.segments if isinstance(s.content, ShotClip)]  # noqa: E731
    assert shots(portrait) == shots(landscape) and len(shots(portrait)) == 2
    assert (landscape.width, landscape.height) == (320, 180)


def test_motion_shots_are_made_per_aspect_ratio(merchant, on_sale, sent_tasks):
    job = _job(merchant, engine="motion", aspect_ratios=["9:16", "16:9"])
    portrait, landscape = timeline_for_job(job, "9:16"), timeline_for_job(job, "16:9")
    paths = lambda timeline: {s.content.path for s in timeline.segments if isinstance(s.content, ShotClip)}  # noqa: E731
    assert paths(portrait).isdisjoint(paths(landscape)) and len(paths(landscape)) == 2


def test_a_scene_can_pin_its_engine_unless_the_request_names_one(merchant, on_sale, sent_tasks, settings):
    settings.SHOT_ENGINES = {**settings.SHOT_ENGINES, "gpu-like": {"class": "x.Y", "queue": "gpu.test"}}
    spec = {
        "scenes": [
            {"type": "product_shots", "duration": 1, "max_shots": 1, "engine": "motion"},
            {"type": "product_shots", "duration": 1, "max_shots": 1},
        ]
    }
    job = _job(merchant, spec=spec)
    assert [shot.engine for shot in job.shots.order_by("position")] == ["motion", settings.DEFAULT_SHOT_ENGINE]
    job = _job(merchant, spec=spec, engine="gpu-like")
    assert {shot.engine for shot in job.shots.all()} == {"gpu-like"}


def test_a_presenter_scene_is_refused_until_the_merchant_has_a_presenter(merchant, on_sale, sent_tasks):
    from django.core.exceptions import ValidationError

    spec = {
        "scenes": [
            {"type": "product_shots", "duration": 1},
            {"type": "presenter", "duration": 4, "script": "Meet the {{ product.title }}"},
        ]
    }
    with pytest.raises(ValidationError, match=r"scene 2 \(presenter\) needs a presenter"):
        _job(merchant, spec=spec)


def _draws(font_path, glyph: str) -> bool:
    """True when the font has the glyph: its mask differs from the font's own "missing" box."""
    font = ImageFont.truetype(str(font_path), 40)
    return font.getmask(glyph).getbbox() != font.getmask("\u0378").getbbox()  # U+0378 is unassigned


def test_bundled_title_fonts_draw_euro_accents_and_japanese_not_boxes():
    assert all(_draws(LATIN_FONT, glyph) for glyph in "€£é")
    assert all(_draws(CJK_FONT, glyph) for glyph in "バッグ鞄円")
    assert not _draws(LATIN_FONT, "バ")  # why a second font is needed


def test_the_title_font_follows_the_titles_script_unless_the_brand_has_one(tmp_path):
    assert title_font("Linen Shirt", "€12.50") == LATIN_FONT
    assert title_font("No.10037 クロールバリエ 2WAY ショルダーバッグ", "¥9,350") == CJK_FONT  # the Meta feed
    assert title_font("真皮手袋") == CJK_FONT
    brand = tmp_path / "brand.otf"
    assert title_font("クロール", brand_font=brand) == brand


def test_an_assembly_over_its_time_limit_fails_the_job_with_what_to_change(
    merchant, product_with_photos, builtin_templates, sent_tasks, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded
    from django.utils import timezone

    from generation.assembly import assemble
    from generation.models import JobStatus, RenderJob

    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=180)
    Shot.objects.filter(job=job).update(status=JobStatus.SUCCEEDED, file="renders/acme/x.mp4")
    RenderJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, assembly_queued_at=timezone.now())

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(assemble, "render_timeline", too_slow)
    assemble.render_job_assemble(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "assembling the 9:16 rendition took longer than the time limit (ASSEMBLY_HARD_TIME_LIMIT); "
        "shorten the video or raise the limit"
    )


def test_the_templates_music_track_or_mood_picks_the_brand_kits_file(merchant, on_sale, sent_tasks):
    from django.core.exceptions import ValidationError

    from shop_video.tenancy.brand_assets import CheckedAsset
    from shop_video.tenancy.services import brand_music_track_add

    kit = merchant.brand_kits.get()
    kit.music.save("default.wav", ContentFile(b"RIFF"))
    for name, mood in (("lounge", "calm"), ("party", "upbeat"), ("spa", "calm")):
        brand_music_track_add(kit=kit, name=name, mood=mood, file=CheckedAsset(b"RIFF", name=f"{name}.wav"))

    def music_path(music):
        return timeline_for_job(_job(merchant, spec={**SPEC, "music": music}), "9:16").music.path

    tracks = {track.name: str(media_local_path(track.file)) for track in kit.music_tracks.all()}
    assert music_path({"track": "party", "mood": "calm", "volume": 0.3}) == tracks["party"]
    assert music_path({"mood": "calm"}) == tracks["lounge"]  # the first calm track added
    assert music_path({"mood": "warm"}) == str(media_local_path(kit.music))  # no warm track: the kit's default
    assert timeline_for_job(_job(merchant, spec={**SPEC, "music": False}), "9:16").music is None

    with pytest.raises(ValidationError) as error:
        _job(merchant, spec={**SPEC, "music": {"track": "christmas"}})
    message = " ".join(error.value.messages)
    assert (
        "Template 'full' asks for the music track 'christmas', which the default brand kit 'Default' does not "
        "have. Upload a track named 'christmas' to the brand kit"
    ) in message
    assert "or change the template's music.track" in message


def test_without_a_brand_font_each_card_picks_a_font_for_its_own_script(merchant, sent_tasks):
    factories.product_make(merchant=merchant, sku="MUG-1", photos=1, title="Travel Mug")
    Product.objects.filter(variants__sku="MUG-1").update(description="<ul><li>真空断熱</li><li>保温6時間</li></ul>")
    timeline = timeline_for_job(_job(merchant), "9:16")
    assert timeline.style.font_path is None  # so the Japanese bullets are not drawn in the Latin title's font
    kit = merchant.brand_kits.get()
    kit.font.save("brand.ttf", ContentFile(LATIN_FONT.read_bytes()), save=True)
    assert timeline_for_job(_job(merchant), "9:16").style.font_path.endswith(".ttf")


def test_captions_can_stay_out_of_the_picture_and_in_the_sidecars_only(merchant, on_sale, sent_tasks):
    timeline = timeline_for_job(_job(merchant, spec={**SPEC, "burn_in_captions": False}), "9:16")
    assert timeline.captions and timeline.burn_in_captions is False


def test_a_text_that_cannot_fit_refuses_the_render_before_any_shot_is_spent(merchant, on_sale, sent_tasks):
    from django.core.exceptions import ValidationError

    from generation.models import RenderJob

    spec = {
        "scenes": [
            {"type": "product_shots", "duration": 1, "max_shots": 1},
            {"type": "cta", "duration": 2, "text": "Order your hand-glazed cup today " * 8},
        ]
    }
    with pytest.raises(ValidationError) as error:
        _job(merchant, spec=spec)
    message = " ".join(error.value.messages)
    assert "Template 'full' cannot be drawn for SKU MUG-1 at 9:16: the call to action 'Order your" in message
    assert "shorten it (edit the template's text, or override the product's title" in message
    assert not RenderJob.objects.exists() and sent_tasks["shots"] == []


def test_a_long_japanese_title_as_a_caption_is_split_into_cues_that_fit(merchant, sent_tasks):
    title = (
        "No.10037 クロールバリエ 2WAY ショルダーバッグ 本革 レザー 斜めがけ 大容量 通勤 通学 プレゼント ギフト 送料無料"
    )
    factories.product_make(merchant=merchant, sku="BAG-1", photos=1, title=title, price="9350", currency="JPY")
    spec = {"scenes": [{"type": "product_shots", "duration": 2, "max_shots": 1, "caption": "{{ product.title }}"}]}
    job = _job(merchant, spec=spec, sku="BAG-1", aspect_ratios=["9:16", "16:9", "1:1", "4:5"])  # all drawn first
    cues = timeline_for_job(job, "9:16").captions
    assert len(cues) >= 2 and "".join(c.text for c in cues).replace("\n", "").replace(" ", "") == title.replace(" ", "")


def test_a_scene_too_short_to_wait_out_its_transitions_shows_its_caption_from_its_first_frame(
    merchant, on_sale, sent_tasks
):
    spec = {
        "transition": {"type": "crossfade", "duration": 0.45},
        "music": False,
        "scenes": [
            {"type": "product_shots", "duration": 2, "max_shots": 1},
            {"type": "price_card", "duration": 1.0, "caption": "Only today"},
            {"type": "cta", "duration": 2},
        ],
    }
    timeline = timeline_for_job(_job(merchant, spec=spec), "9:16")
    (cue,) = timeline.captions
    starts = timeline.starts()
    price = next(index for index, segment in enumerate(timeline.segments) if isinstance(segment.content, PriceCard))
    assert (cue.start, cue.end) == (pytest.approx(starts[price]), pytest.approx(starts[price + 1]))

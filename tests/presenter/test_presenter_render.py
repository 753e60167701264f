"""A presenter scene rendered in-process (the shot runner and the assembly called directly, no worker): the
planning refusals, the host shots per layout, and the finished video's voice, captions and mouth measured on
the encoded MP4. tests/e2e/test_presenter_through_worker.py runs the same through a real worker."""

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import webvtt
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

from generation.assembly.assemble import render_job_assemble
from generation.assembly.presenter_layout import host_box
from generation.models import VideoTemplate
from generation.services.render_jobs import render_job_create
from generation.shot_runner import shot_run
from tests import factories
from tests.presenter.mouth_metrics import box_grow, mouth_activity

pytestmark = pytest.mark.django_db

SCRIPT = "Meet the {{ product.title }}. It keeps coffee hot for hours. Only {{ variant.price|price }}!"


def _template(merchant, *, layout="full", duration=9.0, script=SCRIPT, slug="host-test", **scene):
    spec = {
        "fps": 24,
        "music": False,
        "scenes": [
            {"type": "presenter", "duration": duration, "layout": layout, "script": script, **scene},
            {"type": "price_card", "duration": 1.0},
        ],
    }
    return VideoTemplate.objects.create(merchant=merchant, slug=slug, name="Host test", spec=spec)


def _render(merchant, template, *, aspect_ratios=("9:16",), short_side=160, **options):
    job = render_job_create(
        merchant=merchant,
        template_slug=template.slug,
        sku="MUG-1",
        aspect_ratios=list(aspect_ratios),
        short_side=short_side,
        **options,
    )
    for shot in job.shots.all():
        shot_run(shot_id=shot.pk)
    render_job_assemble(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job


def _audio_levels(path, rate=16000, window=0.05):
    pcm = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768
    size = round(rate * window)
    frames = samples[: len(samples) // size * size].reshape(-1, size)
    return np.sqrt((frames**2).mean(axis=1)), window


def _seconds(timestamp: str) -> float:
    hours, minutes, seconds = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _video_frames(path, width, height):
    raw = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


@pytest.fixture
def spoken(merchant, product_with_photos, presenter, sent_tasks):
    """One 9:16 render of a full-frame presenter scene; (job, rendition, host shot)."""
    job = _render(merchant, _template(merchant))
    return job, job.renditions.get(), job.shots.get(scene=0)


def test_the_voice_is_heard_where_the_script_is_and_nowhere_else(spoken):
    job, rendition, host = spoken
    speech = host.metadata["speech"]
    levels, window = _audio_levels(rendition.file.path)
    start, end = speech["offset"], speech["offset"] + speech["duration"]
    words = speech["words"]
    assert [w[0] for w in words[:3]] == ["Meet", "the", "Ceramic"]
    # Every word is audible where its timing says it is.
    for text, word_start, word_end in words:
        span = levels[int((speech["offset"] + word_start) / window) : int((speech["offset"] + word_end) / window) + 1]
        assert span.max() > 0.02, text
    assert levels[: int((start - 0.1) / window)].max() < 0.003  # the lead-in is silent (no music in this template)
    assert levels[int((end + 0.15) / window) :].max() < 0.003  # and so is everything after the last word
    assert rendition.duration == pytest.approx(10.0, abs=0.1)


def test_captions_follow_the_word_timings_within_a_tenth_of_a_second(spoken):
    job, rendition, host = spoken
    speech = host.metadata["speech"]
    cues = list(webvtt.read(rendition.captions_vtt.path))
    spoken_words = [(text, speech["offset"] + start, speech["offset"] + end) for text, start, end in speech["words"]]
    assert " ".join(cue.text.replace("\n", " ") for cue in cues).split() == [w[0] for w in spoken_words]
    assert [w[0] for w in spoken_words][:5] == ["Meet", "the", "Ceramic", "Mug.", "It"]  # the script's punctuation
    # A sentence end ends its cue (a tall frame's cues are also split to what one line holds at a legible size).
    assert any(cue.text.endswith("Mug.") for cue in cues) and not any("Mug. It" in cue.text for cue in cues)
    index = 0
    for cue in cues:
        count = len(cue.text.split())
        first, last = spoken_words[index], spoken_words[index + count - 1]
        assert abs(_seconds(cue.start) - first[1]) <= 0.1, cue.text
        assert _seconds(cue.end) >= last[2] - 0.1, cue.text  # on screen until its last word is said
        index += count


def test_the_mouth_moves_with_the_speech_and_rests_in_the_silences(spoken):
    job, rendition, host = spoken
    speech = host.metadata["speech"]
    frames = _video_frames(rendition.file.path, rendition.width, rendition.height)
    fps = job.fps
    box = box_grow(host.metadata["mouth_box"], by=0.15, width=rendition.width, height=rendition.height)
    activity = mouth_activity(frames, box, rest=frames[2])
    start, end = speech["offset"], speech["offset"] + speech["duration"]
    talking = activity[round(start * fps) : round(end * fps)]
    assert talking.max() > 0.1 and np.mean(talking > 0.03) > 0.3  # open often while speaking
    assert activity[: round((start - 0.05) * fps)].max() < 0.02  # closed before the first word
    silent_after = activity[round((end + 0.3) * fps) : round(9.0 * fps)]
    assert silent_after.max() < 0.02  # and after the last one, while the host is still on screen


@pytest.mark.parametrize("layout", ["split", "pip"])
def test_split_and_pip_place_the_host_in_its_box_beside_the_product(
    merchant, product_with_photos, presenter, sent_tasks, layout
):
    job = _render(
        merchant,
        _template(merchant, layout=layout, script="Hello there.", duration=3.0),
        aspect_ratios=("9:16", "16:9"),
    )
    for rendition in job.renditions.all():
        host = job.shots.get(scene=0, aspect_ratio=rendition.aspect_ratio)
        box = host_box(layout, rendition.width, rendition.height)
        assert (host.width, host.height) == (box.width, box.height)
        frame = _video_frames(rendition.file.path, rendition.width, rendition.height)[24]
        inside = frame[
            box.top + box.height // 3 : box.bottom - box.height // 3,
            box.left + box.width // 3 : box.right - box.width // 3,
        ]
        outside = frame[box.bottom :, :] if box.bottom < rendition.height else frame[:, box.right :]
        # The host (a photo of a person) inside the box, not the product photo or the card background.
        assert np.abs(inside.mean(axis=(0, 1)) - outside.mean(axis=(0, 1))).max() > 8


def test_the_gpu_choice_makes_one_presenter_shot_and_the_cpu_one_per_aspect_ratio(
    merchant, product_with_photos, presenter, sent_tasks, django_capture_on_commit_callbacks
):
    template = _template(merchant)
    cpu = render_job_create(
        merchant=merchant, template_slug=template.slug, sku="MUG-1", aspect_ratios=["9:16", "1:1"], short_side=160
    )
    assert sorted((s.engine, s.aspect_ratio) for s in cpu.shots.all()) == [
        ("presenter-cpu", "1:1"),
        ("presenter-cpu", "9:16"),
    ]
    shot = cpu.shots.get(aspect_ratio="9:16")
    assert shot.prompt.startswith("Meet the Ceramic Mug.") and shot.parameters["presenter_id"] == presenter.pk
    with django_capture_on_commit_callbacks(execute=True):
        gpu = render_job_create(
            merchant=merchant,
            template_slug=template.slug,
            sku="MUG-1",
            aspect_ratios=["9:16", "1:1"],
            short_side=160,
            engine="dit",
        )
    presenter_shots = [s for s in gpu.shots.all() if s.scene == 0]
    assert [(s.engine, s.aspect_ratio) for s in presenter_shots] == [("presenter", "9:16")]
    assert (presenter_shots[0].pk,) in {tuple(ids) for ids, queue in sent_tasks["shots"] if queue == "gpu.ltx2"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"script": "Word " * 60}, "the script takes"),
        ({"script": {"de": "Hallo {{ product.title }}."}}, "has no script in 'en', the language of presenter 'host'"),
        ({"presenter": "nobody"}, "asks for presenter 'nobody'"),
    ],
)
def test_a_presenter_scene_that_cannot_be_said_is_refused_before_any_shot(
    merchant, product_with_photos, presenter, sent_tasks, change, message
):
    template = _template(
        merchant,
        duration=4.0,
        **{k: v for k, v in change.items() if k != "script"},
        script=change.get("script", SCRIPT),
    )
    with pytest.raises(ValidationError) as refused:
        render_job_create(merchant=merchant, template_slug=template.slug, sku="MUG-1")
    assert message in " ".join(refused.value.messages)
    assert not merchant.render_jobs.exists() and not sent_tasks["shots"]


def test_a_too_long_script_says_how_long_the_scene_must_be(merchant, product_with_photos, presenter, sent_tasks):
    template = _template(merchant, duration=2.0)
    with pytest.raises(ValidationError, match=r"make the scene's duration at least \d+\.\d") as refused:
        render_job_create(merchant=merchant, template_slug=template.slug, sku="MUG-1")
    assert "for SKU MUG-1 the script takes" in refused.value.messages[0]


def test_the_presenters_language_picks_its_script(merchant, product_with_photos, sent_tasks):
    factories.presenter_make(merchant=merchant, language="de", voice="de")
    template = _template(merchant, script={"en": "Hello.", "de": "Hallo, das ist {{ product.title }}."})
    job = render_job_create(merchant=merchant, template_slug=template.slug, sku="MUG-1")
    assert job.shots.get(scene=0).prompt == "Hallo, das ist Ceramic Mug."


def test_without_a_presenter_the_spotlight_preset_says_how_to_make_one(
    merchant, product_with_photos, builtin_templates, sent_tasks
):
    with pytest.raises(ValidationError, match=r"needs a presenter, and 'acme' has none yet; create one"):
        render_job_create(merchant=merchant, template_slug="presenter-spotlight", sku="MUG-1")


def test_the_demo_shop_speaks_every_product_with_the_spotlight_preset(sent_tasks):
    from django.core.management import call_command

    from generation.management.commands.seed_demo import DEMO_PRODUCTS
    from shop_video.tenancy.models import Merchant

    call_command("seed_demo")
    demo = Merchant.objects.get(slug="demo")
    host = demo.presenters.get(is_default=True)
    assert len(host.face) == 4
    for sku, *_ in DEMO_PRODUCTS:  # every script fits the 14 s scene with the default voice
        job = render_job_create(merchant=demo, template_slug="presenter-spotlight", sku=sku)
        assert job.shots.get(scene=0).parameters["presenter_id"] == host.pk


def _tone_level(path, *, start, end, frequency=440.0, rate=16000):
    """The amplitude of one frequency (the test music's tone) between two times: the music, apart from the voice."""
    pcm = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-ss",
            f"{start:.3f}",
            "-t",
            f"{end - start:.3f}",
            "-i",
            str(path),
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(pcm, np.int16).astype(np.float64) / 32768
    t = np.arange(len(samples)) / rate
    return 2 * abs(np.mean(samples * np.exp(-2j * np.pi * frequency * t)))


def test_the_voice_ducks_the_brand_music(merchant, product_with_photos, presenter, sent_tasks):
    from shop_video.tenancy.services import brand_kit_update
    from tests.tenancy.files import upload, wav_bytes

    brand_kit_update(kit=merchant.brand_kits.get(), music=upload("theme.wav", wav_bytes(12.0), "audio/wav"))
    template = _template(merchant)
    template.spec["music"] = {"volume": 1.0, "fade_in": 0.0, "fade_out": 0.0}
    template.save()
    job = _render(merchant, template)
    rendition, speech = job.renditions.get(), job.shots.get(scene=0).metadata["speech"]
    end = speech["offset"] + speech["duration"]
    alone = _tone_level(rendition.file.path, start=0.05, end=0.3)  # the lead-in: music alone
    under_voice = _tone_level(rendition.file.path, start=speech["offset"] + 0.5, end=end - 0.5)
    after = _tone_level(rendition.file.path, start=end + 0.6, end=end + 1.6)
    assert alone > 0.05
    assert under_voice < 0.5 * alone  # ducked while the presenter speaks
    assert after > 0.8 * alone  # and back up once they stop


ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "presenter"


def test_the_spotlight_preset_shows_the_product_large_from_the_first_frame_in_every_aspect_ratio(
    merchant, presenter, builtin_templates, sent_tasks
):
    """presenter-spotlight is a pip: the whole product photo fitted large in its box from frame 0, the host in
    its window, nothing of one over the other. Frames go to var/test-artifacts/presenter/ to look at."""
    from catalog.services import product_image_add
    from generation.assembly.presenter_layout import product_box

    product = factories.product_make(merchant=merchant, sku="CUP-1", title="Espresso Cup", photos=0)
    product_image_add(
        product=product, data=(Path(settings.BASE_DIR) / "catalog" / "demo_photos" / "espresso-cup.jpg").read_bytes()
    )
    job = render_job_create(
        merchant=merchant,
        template_slug="presenter-spotlight",
        sku="CUP-1",
        aspect_ratios=["9:16", "1:1", "16:9", "4:5"],
        short_side=360,
    )
    for shot in job.shots.all():
        shot_run(shot_id=shot.pk)
    render_job_assemble(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for rendition in job.renditions.all():
        frames = _video_frames(rendition.file.path, rendition.width, rendition.height)
        name = rendition.aspect_ratio.replace(":", "x")
        for index in (0, 90):
            Image.fromarray(frames[index]).save(ARTIFACTS / f"spotlight-{name}-frame{index}.png")
        box = product_box("pip", rendition.width, rendition.height)
        window = host_box("pip", rendition.width, rendition.height)
        first = frames[0].astype(np.int16)
        product = first[box.top : box.bottom, box.left : box.right]
        # The photo fills the box from the first frame: where it differs from the brand background (the box's
        # corner) it spans most of the box's width or height.
        photo = np.abs(product - product[1, 1]).max(axis=2) > 30
        rows, cols = np.flatnonzero(photo.any(axis=1)), np.flatnonzero(photo.any(axis=0))
        assert max((rows[-1] - rows[0]) / box.height, (cols[-1] - cols[0]) / box.width) > 0.85  # settling from 95 %
        assert first[window.top : window.bottom, window.left : window.right].std() > 20  # the host shows in its window

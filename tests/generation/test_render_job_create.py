import pytest
from django.core.exceptions import ValidationError

from generation.models import RenderJob, Shot
from generation.services.render_jobs import render_job_create
from tests import factories

pytestmark = pytest.mark.django_db


def test_creates_job_with_one_shot_per_photo_and_sends_them_after_commit(
    merchant, product_with_photos, builtin_templates, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = render_job_create(
            merchant=merchant,
            template_slug="product-showcase",
            sku="MUG-1",
            aspect_ratios=["9:16", "1:1"],
            short_side=180,
        )
    shots = list(job.shots.order_by("position"))
    assert job.status == RenderJob.Status.QUEUED
    assert job.aspect_ratios == ["9:16", "1:1"]
    photos = list(product_with_photos.images.order_by("position").values_list("pk", flat=True))
    # The motion engine is cheap: each aspect ratio gets its own shots, 4 s at 30 fps from the preset; two photos
    # for three shots, so the third is a close-up of the first photo (a detail shot).
    assert [
        (s.aspect_ratio, s.width, s.height, s.source_image_id, s.camera, s.parameters.get("detail")) for s in shots
    ] == [
        ("9:16", 180, 320, photos[0], "push_in", None),
        ("9:16", 180, 320, photos[1], "pan_right", None),
        ("9:16", 180, 320, photos[0], "tilt_up", 0),
        ("1:1", 180, 180, photos[0], "push_in", None),
        ("1:1", 180, 180, photos[1], "pan_right", None),
        ("1:1", 180, 180, photos[0], "tilt_up", 0),
    ]
    assert {(shot.num_frames, shot.scene) for shot in shots} == {(120, 0)}
    assert shots[0].seed == shots[3].seed and shots[1].seed == shots[4].seed  # same story in every ratio
    assert sent_tasks["shots"] == [([shot.pk for shot in shots], "cpu")]


def test_a_costly_engine_renders_shots_once_at_the_first_aspect_ratio(
    merchant, product_with_photos, builtin_templates, sent_tasks, settings
):
    settings.SHOT_ENGINES = {**settings.SHOT_ENGINES, "gpu-like": {"class": "x.Y", "queue": "gpu.test"}}
    job = render_job_create(
        merchant=merchant,
        template_slug="product-showcase",
        sku="MUG-1",
        engine="gpu-like",
        aspect_ratios=["16:9", "9:16", "1:1"],
        short_side=180,
    )
    assert list(job.shots.values_list("aspect_ratio", "width", "height")) == [("16:9", 320, 180)] * 2


def test_nothing_is_sent_before_the_transaction_commits(
    merchant, product_with_photos, builtin_templates, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1")
    assert sent_tasks["shots"] == [] and len(callbacks) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sku": "NOPE"}, "no product with SKU 'NOPE'"),
        ({"template_slug": "no-such-template"}, "No template 'no-such-template'"),
        ({"aspect_ratios": ["3:2"]}, "Aspect ratio '3:2' is not offered; use one of 9:16, 1:1, 16:9, 4:5"),
        ({"engine": "sora"}, "Unknown engine 'sora'; use one of dit, motion"),
        ({"short_side": 181}, "short side must be an even number"),
        ({"short_side": 4000}, "short side must be an even number of pixels from 64 to 1080"),
        ({"short_side": 32}, "short side must be an even number of pixels from 64 to 1080"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message_and_create_nothing(
    merchant, product_with_photos, builtin_templates, sent_tasks, kwargs, message
):
    request = {"merchant": merchant, "template_slug": "product-showcase", "sku": "MUG-1", **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        render_job_create(**request)
    assert message in " ".join(excinfo.value.messages)
    assert RenderJob.objects.count() == 0 and Shot.objects.count() == 0


def test_a_product_without_photos_is_refused(merchant, builtin_templates, sent_tasks):
    factories.product_make(merchant=merchant, sku="BARE-1", photos=0)
    with pytest.raises(ValidationError, match="has no ready photos; upload one"):
        render_job_create(merchant=merchant, template_slug="product-showcase", sku="BARE-1")
    assert RenderJob.objects.count() == 0


def test_another_merchants_sku_is_unknown(merchant, other_merchant, builtin_templates, sent_tasks):
    factories.product_make(merchant=other_merchant, sku="THEIRS-1")
    with pytest.raises(ValidationError, match="no product with SKU 'THEIRS-1'"):
        render_job_create(merchant=merchant, template_slug="product-showcase", sku="THEIRS-1")


def test_a_merchants_own_template_wins_over_the_builtin_of_the_same_slug(
    merchant, product_with_photos, builtin_templates, sent_tasks
):
    from generation.models import VideoTemplate

    own = VideoTemplate.objects.create(
        merchant=merchant,
        slug="product-showcase",
        name="Ours",
        spec={"scenes": [{"type": "product_shots", "duration": 1.0, "max_shots": 1}]},
    )
    job = render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", short_side=64)
    assert job.template == own and job.shots.count() == 2  # max_shots 1, but every one of the 2 photos is used


def test_a_broken_merchant_template_is_refused_naming_the_template_and_scene(
    merchant, product_with_photos, builtin_templates, sent_tasks
):
    from generation.models import VideoTemplate

    VideoTemplate.objects.create(
        merchant=merchant,
        slug="broken",
        name="Broken",
        spec={"scenes": [{"type": "title", "duration": 1}, {"type": "product_shots", "duration": -2}]},
    )
    with pytest.raises(ValidationError) as excinfo:
        render_job_create(merchant=merchant, template_slug="broken", sku="MUG-1")
    assert excinfo.value.messages[0].startswith(
        "Template 'broken' is invalid: scene 2 (product_shots): duration must be a number of seconds above 0"
    )
    assert RenderJob.objects.count() == 0


def _dit_template(merchant, **scene):
    from generation.models import VideoTemplate

    spec = {"family": "wan", "scenes": [{"type": "product_shots", "duration": 2.0, "max_shots": 2, **scene}]}
    return VideoTemplate.objects.create(merchant=merchant, slug="dit-test", name="DiT test", spec=spec)


def test_dit_shots_go_to_their_familys_gpu_queue_request_over_scene_over_template(
    merchant, product_with_photos, sent_tasks, django_capture_on_commit_callbacks, settings
):
    product_with_photos.brand = "Acme"
    product_with_photos.save()
    _dit_template(merchant, prompt="{{ product.title }} by {{ product.brand }}, studio light")
    with django_capture_on_commit_callbacks(execute=True):
        from_template = render_job_create(merchant=merchant, template_slug="dit-test", sku="MUG-1", engine="dit")
        from_request = render_job_create(
            merchant=merchant, template_slug="dit-test", sku="MUG-1", engine="dit", family="cogvideox"
        )
    assert [s.parameters["family"] for s in from_template.shots.all()] == ["wan", "wan"]
    assert from_request.family == "cogvideox"
    assert [s.parameters["family"] for s in from_request.shots.all()] == ["cogvideox", "cogvideox"]
    assert [queue for _, queue in sent_tasks["shots"]] == ["gpu.wan", "gpu.cogvideox"]
    assert from_template.shots.first().prompt == "Ceramic Mug by Acme, studio light"


def test_the_platform_default_family_applies_when_nobody_names_one(merchant, product_with_photos, sent_tasks, settings):
    from generation.models import VideoTemplate

    VideoTemplate.objects.create(
        merchant=merchant, slug="plain", name="Plain", spec={"scenes": [{"type": "product_shots", "duration": 2.0}]}
    )
    settings.DIT_DEFAULT_FAMILY = "cogvideox"
    job = render_job_create(merchant=merchant, template_slug="plain", sku="MUG-1", engine="dit")
    assert {s.parameters["family"] for s in job.shots.all()} == {"cogvideox"}


def test_end_frames_and_text_shots_are_set_up_from_the_scene(merchant, product_with_photos, sent_tasks):
    _dit_template(merchant, end_frame=True)
    job = render_job_create(merchant=merchant, template_slug="dit-test", sku="MUG-1", engine="dit")
    photos = list(product_with_photos.images.order_by("position").values_list("pk", flat=True))
    assert [(s.source_image_id, s.parameters["end_image_id"]) for s in job.shots.all()] == [
        (photos[0], photos[1]),
        (photos[1], photos[0]),
    ]
    from generation.models import VideoTemplate

    VideoTemplate.objects.filter(slug="dit-test").update(
        spec={"scenes": [{"type": "product_shots", "duration": 2.0, "max_shots": 1, "source": "text"}]}
    )
    job = render_job_create(merchant=merchant, template_slug="dit-test", sku="MUG-1", engine="dit", family="ltx")
    assert [s.source_image_id for s in job.shots.all()] == [None]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "motion", "family": "ltx"}, "applies to the dit engine only"),
        ({"engine": "dit", "family": "kling"}, "Model family 'kling' is unknown; use one of ltx, wan, cogvideox."),
    ],
)
def test_a_bad_family_request_is_refused_and_creates_nothing(
    merchant, product_with_photos, builtin_templates, sent_tasks, kwargs, message
):
    with pytest.raises(ValidationError) as error:
        render_job_create(merchant=merchant, template_slug="product-showcase", sku="MUG-1", **kwargs)
    assert message in " ".join(error.value.messages)
    assert not RenderJob.objects.exists()


@pytest.mark.parametrize(
    ("scene", "family", "message"),
    [
        ({"source": "text"}, "wan", "Scene 1 asks for text-to-video, which the wan family cannot make"),
        ({"end_frame": True}, "cogvideox", "Scene 1 asks for an end frame, which the cogvideox family cannot take"),
    ],
)
def test_a_scene_the_family_cannot_make_is_refused_at_submit(
    merchant, product_with_photos, sent_tasks, scene, family, message
):
    _dit_template(merchant, **scene)
    with pytest.raises(ValidationError) as error:
        render_job_create(merchant=merchant, template_slug="dit-test", sku="MUG-1", engine="dit", family=family)
    assert message in " ".join(error.value.messages)
    assert not RenderJob.objects.exists()


def test_the_motion_preview_animates_the_photo_for_a_text_scene(merchant, product_with_photos, sent_tasks):
    _dit_template(merchant, source="text", max_shots=1)
    job = render_job_create(merchant=merchant, template_slug="dit-test", sku="MUG-1", engine="motion")
    assert job.shots.exists() and not job.shots.filter(source_image=None).exists()

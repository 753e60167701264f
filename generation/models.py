"""Templates, the render jobs made from them, the shots a job generates, and the renditions it delivers."""

from django.db import models

from catalog.models import Product, ProductImage, Variant
from shop_video.media import (
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    PrivateUploadTo,
    RenditionUploadTo,
    private_storage_get,
)
from shop_video.tenancy.models import BrandKit, Merchant


class VideoTemplate(models.Model):
    # merchant is null for the built-in presets every merchant can use.
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="video_templates"
    )
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    spec = models.JSONField(help_text="Scenes, durations and music: see generation/template_spec.py.")
    is_builtin = models.BooleanField(default=False)
    # Set only by `manage.py preset_previews` (never by a request): the demo shop's render of a built-in, shown to
    # every merchant in the gallery and the API while its spec is the template's.
    preview_job = models.ForeignKey(
        "RenderJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A built-in's preview render, made from the demo products.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "slug"], name="videotemplate_unique_slug_per_merchant"),
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(merchant__isnull=True), name="videotemplate_unique_builtin_slug"
            ),
        ]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    def clean(self):
        """Every form that saves a template (the admin's included) validates the spec, naming scene and field."""
        from django.conf import settings
        from django.core.exceptions import ValidationError

        from generation.template_spec import template_spec_parse

        try:
            template_spec_parse(self.spec, fps=settings.RENDER_FPS)
        except ValidationError as exc:
            raise ValidationError({"spec": exc.messages}) from None


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobStage(models.TextChoices):
    """Where a running job is, in the order it passes through them (generation/render_progress.py words them)."""

    QUEUED = "queued", "Waiting for a worker"
    SHOTS = "shots", "Making the shots"
    ASSEMBLING = "assembling", "Assembling"
    ENCODING = "encoding", "Encoding"
    FINISHING = "finishing", "Making the poster and checks"
    DONE = "done", "Done"


class RenderJob(models.Model):
    Status = JobStatus

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="render_jobs")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="render_jobs")
    variant = models.ForeignKey(Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="render_jobs")
    template = models.ForeignKey(VideoTemplate, on_delete=models.PROTECT, related_name="render_jobs")
    template_spec = models.JSONField(help_text="The template as it was when the job was made.")
    brand_kit = models.ForeignKey(BrandKit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    engine = models.CharField(max_length=32)
    family = models.CharField(
        max_length=32,
        blank=True,
        help_text="DiT model family asked for by the request; blank: the template's or the default.",
    )
    aspect_ratios = models.JSONField(help_text='e.g. ["9:16", "1:1"]')
    short_side = models.PositiveIntegerField()
    fps = models.PositiveIntegerField()
    metadata = models.JSONField(default=dict, blank=True)
    merge_fields = models.JSONField(
        default=dict,
        blank=True,
        help_text="Product fields the request overrode (title, brand, description, "
        "product_type), for the prompts and the cards alike.",
    )
    webhook_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="https URL told of this job's render.succeeded / render.failed, besides "
        "the merchant's webhook endpoints.",
    )
    content_shown = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the video shows, taken when the render was made (generation/video_freshness.py): title, "
        "prices, currency, photos, template version. Empty for renders made before it existed (never stale).",
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=16, choices=JobStage.choices, default=JobStage.QUEUED)
    stage_aspect_ratio = models.CharField(
        max_length=8, blank=True, help_text="The rendition being encoded or finished (stages encoding, finishing)."
    )
    stage_progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the current stage done.")
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Times the assembly was started.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    assembly_queued_at = models.DateTimeField(null=True, blank=True)
    assembly_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker began the assembly (measures its rate for the ETA)."
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from the assembly.")
    finished_at = models.DateTimeField(null=True, blank=True)
    # The campaign that made it (generation/campaigns): its renders are one group in the API and webhooks.
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="render_jobs"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"job {self.pk} {self.product} ({self.status})"


class Shot(models.Model):
    Status = JobStatus

    job = models.ForeignKey(RenderJob, on_delete=models.CASCADE, related_name="shots")
    position = models.PositiveIntegerField()
    scene = models.PositiveIntegerField(default=0, help_text="Index of the template scene this shot belongs to.")
    aspect_ratio = models.CharField(max_length=8, help_text="The aspect ratio it was generated at.")
    engine = models.CharField(max_length=32)
    ai_generated = models.BooleanField(
        default=False,
        help_text="Made by a trained model (a DiT engine, the GPU presenter, a neural voice): docs/provenance.md.",
    )
    source_image = models.ForeignKey(ProductImage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    prompt = models.TextField(blank=True)
    seed = models.BigIntegerField(default=0)
    camera = models.CharField(max_length=32, default="push_in")
    parameters = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(
        default=dict, blank=True, help_text="What the engine reported: model, seed used, retries, quality measurements."
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fps = models.PositiveIntegerField()
    num_frames = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker claimed this shot.")
    file = models.FileField(
        storage=private_storage_get,
        upload_to=PrivateUploadTo("shots", VIDEO_EXTENSIONS, "job.merchant"),
        blank=True,
        max_length=500,
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from its worker.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="shot_unique_position_per_job")]

    def __str__(self):
        return f"shot {self.position} of job {self.job_id} ({self.status})"

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps


class Rendition(models.Model):
    job = models.ForeignKey(RenderJob, on_delete=models.CASCADE, related_name="renditions")
    aspect_ratio = models.CharField(max_length=8)
    file = models.FileField(upload_to=RenditionUploadTo(VIDEO_EXTENSIONS), max_length=500)
    poster = models.ImageField(upload_to=RenditionUploadTo(IMAGE_EXTENSIONS), blank=True, max_length=500)
    preview = models.FileField(
        upload_to=RenditionUploadTo(IMAGE_EXTENSIONS),
        blank=True,
        max_length=500,
        help_text="A few looping seconds as an animated WebP, for catalogue grids.",
    )
    captions_srt = models.FileField(upload_to=RenditionUploadTo(["srt"]), blank=True, max_length=500)
    captions_vtt = models.FileField(upload_to=RenditionUploadTo(["vtt"]), blank=True, max_length=500)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration = models.FloatField()
    size_bytes = models.PositiveBigIntegerField(default=0)
    ai_generated = models.BooleanField(default=False, help_text="Any part made by a trained model; labelled so.")
    provenance = models.JSONField(
        default=dict,
        blank=True,
        help_text="What made it and each file's C2PA manifest as read back (generation/provenance/publishing.py).",
    )
    quality = models.JSONField(
        default=dict,
        blank=True,
        help_text="The quality report (generation/assembly/quality.py): measurements and "
        "which checks pass. Empty for renditions made before it existed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "aspect_ratio"]
        constraints = [models.UniqueConstraint(fields=["job", "aspect_ratio"], name="rendition_unique_aspect_per_job")]

    def __str__(self):
        return f"{self.aspect_ratio} of job {self.job_id}"


class PresenterFraming(models.TextChoices):
    HEAD = "head", "Head and shoulders, close"
    CHEST = "chest", "Chest up"
    WIDE = "wide", "Waist up, wide"


class Presenter(models.Model):
    """A merchant's digital host: a photo with exactly one face, and a voice. Presenter scenes animate the photo
    speaking a script rendered from the product (docs/presenters.md)."""

    Framing = PresenterFraming

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="presenters")
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    avatar = models.ImageField(
        storage=private_storage_get,
        upload_to=PrivateUploadTo("presenters", IMAGE_EXTENSIONS),
        max_length=500,
        help_text="A front-facing photo of the presenter alone: exactly one face.",
    )
    face = models.JSONField(default=list, blank=True, help_text="[x, y, width, height] of the face found in the photo.")
    tts_engine = models.CharField(
        max_length=32, default="espeak", help_text="A text-to-speech engine of settings.PRESENTER_TTS_ENGINES."
    )
    voice = models.CharField(
        max_length=200,
        blank=True,
        help_text="The engine's voice: an espeak-ng voice such as en-us, or a Piper voice file "
        "name. Blank: the language's default voice.",
    )
    speed = models.FloatField(default=1.0, help_text="Speaking rate, 0.5 to 2.0 (1.0 is normal).")
    language = models.CharField(
        max_length=16, default="en", help_text="Picks the script of presenter scenes written per language."
    )
    framing = models.CharField(max_length=8, choices=PresenterFraming.choices, default=PresenterFraming.CHEST)
    is_default = models.BooleanField(default=False, help_text="The one presenter scenes use unless told otherwise.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "slug"], name="presenter_unique_slug_per_merchant"),
            models.UniqueConstraint(
                fields=["merchant"], condition=models.Q(is_default=True), name="presenter_one_default_per_merchant"
            ),
        ]

    def __str__(self):
        return self.name

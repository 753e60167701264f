"""The tenant (Merchant), who may act for it (Membership), and how its videos look (BrandKit)."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from generation.assembly.timeline import AI_LABEL_POSITIONS
from generation.provenance.label_spec import AI_LABEL_TEXTS
from shop_video.media import (
    AUDIO_EXTENSIONS,
    FONT_EXTENSIONS,
    IMAGE_EXTENSIONS,
    PrivateUploadTo,
    private_storage_get,
)
from shop_video.tenancy.brand_assets import MUSIC_MOODS

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour like #1a2b3c.")
# The visible AI label's defaults a brand kit may set (a template's ai_label overrides them; docs/provenance.md).
AI_LABEL_LANGUAGES = tuple(AI_LABEL_TEXTS)
AI_LABEL_POSITION_CHOICES = [
    (
        position,
        "Auto (a corner clear of the product)" if position == "auto" else position.replace("-", " ").capitalize(),
    )
    for position in AI_LABEL_POSITIONS
]
AI_LABEL_LANGUAGE_CHOICES = [
    ("", "The video's language"),
    *((code, f"{code}: {text}") for code, text in AI_LABEL_TEXTS.items()),
]


def media_key_new() -> str:
    return uuid.uuid4().hex


class Merchant(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    # The folder of this merchant's private files (shop_video/media.py): random, so a name of one file tells
    # nothing about another merchant's, and the file view knows whose a file is.
    media_key = models.CharField(max_length=32, unique=True, default=media_key_new, editable=False)
    name = models.CharField(max_length=200)
    default_currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name or self.slug


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "merchant"], name="membership_unique_user_merchant")]

    def __str__(self):
        return f"{self.user} @ {self.merchant} ({self.role})"


class BrandKit(models.Model):
    class WatermarkPosition(models.TextChoices):
        NONE = "none", "No watermark"
        TOP_LEFT = "top-left", "Top left"
        TOP_RIGHT = "top-right", "Top right"
        BOTTOM_LEFT = "bottom-left", "Bottom left"
        BOTTOM_RIGHT = "bottom-right", "Bottom right"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="brand_kits")
    name = models.CharField(max_length=100, default="Default")
    is_default = models.BooleanField(default=True)
    logo = models.ImageField(
        storage=private_storage_get, upload_to=PrivateUploadTo("logos", IMAGE_EXTENSIONS), blank=True, max_length=200
    )
    primary_colour = models.CharField(max_length=7, default="#111111", validators=[hex_colour])
    secondary_colour = models.CharField(max_length=7, default="#ffffff", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#e4572e", validators=[hex_colour])
    font = models.FileField(
        storage=private_storage_get,
        upload_to=PrivateUploadTo("fonts", FONT_EXTENSIONS),
        blank=True,
        max_length=200,
        help_text="TTF or OTF; blank uses the bundled font.",
    )
    music = models.FileField(
        storage=private_storage_get,
        upload_to=PrivateUploadTo("music", AUDIO_EXTENSIONS),
        blank=True,
        max_length=200,
        help_text="Background track; blank means silence.",
    )
    watermark_position = models.CharField(
        max_length=16, choices=WatermarkPosition.choices, default=WatermarkPosition.BOTTOM_RIGHT
    )
    intro_enabled = models.BooleanField(default=True)
    outro_enabled = models.BooleanField(default=True)
    ai_label_position = models.CharField(
        "AI label position",
        max_length=16,
        choices=AI_LABEL_POSITION_CHOICES,
        default="auto",
        help_text='Where the "AI-generated" label goes on videos with AI-generated parts, unless the template says.',
    )
    ai_label_language = models.CharField(
        "AI label language",
        max_length=8,
        choices=AI_LABEL_LANGUAGE_CHOICES,
        blank=True,
        default="",
        help_text="The label's language unless the template says; blank: the video's language.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="brandkit_unique_name"),
            models.UniqueConstraint(
                fields=["merchant"], condition=models.Q(is_default=True), name="brandkit_one_default_per_merchant"
            ),
        ]

    def __str__(self):
        return f"{self.merchant.slug}: {self.name}"


class BrandMusicTrack(models.Model):
    """One of a brand kit's named tracks; a template picks one by name or mood (the kit's `music` is the default)."""

    kit = models.ForeignKey(BrandKit, on_delete=models.CASCADE, related_name="music_tracks")
    name = models.SlugField(max_length=50, help_text="What a template's music.track calls it, e.g. summer-theme.")
    mood = models.CharField(
        max_length=16,
        choices=[(mood, mood.capitalize()) for mood in MUSIC_MOODS],
        blank=True,
        help_text="Lets a template ask for a mood (music.mood) instead of a name.",
    )
    file = models.FileField(
        storage=private_storage_get,
        upload_to=PrivateUploadTo("music", AUDIO_EXTENSIONS, "kit.merchant"),
        max_length=200,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]  # "the first track with a mood" is the one added first
        constraints = [models.UniqueConstraint(fields=["kit", "name"], name="brandmusictrack_unique_name_per_kit")]

    def __str__(self):
        return f"{self.kit}: {self.name}"

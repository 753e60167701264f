"""Live rooms: a never-ending HLS stream that rotates through products, one pre-rendered segment per product."""

import secrets

from django.db import models

from catalog.models import Product
from generation.models import Presenter, RenderJob
from shop_video.tenancy.models import Merchant


def live_room_key_new() -> str:
    """The room's public name in /live/<key>/: unguessable, because the stream needs no sign-in."""
    return secrets.token_urlsafe(16)


class LiveRoom(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="live_rooms")
    slug = models.SlugField(max_length=64)
    key = models.CharField(
        max_length=64,
        unique=True,
        default=live_room_key_new,
        editable=False,
        help_text="The stream's address: /live/<key>/index.m3u8. Whoever has it can watch.",
    )
    name = models.CharField(max_length=200)
    template_slug = models.SlugField(
        max_length=64,
        default="presenter-spotlight",
        help_text="The video template each product's segment is rendered with.",
    )
    presenter = models.ForeignKey(
        Presenter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank: the merchant's default presenter.",
    )
    aspect_ratio = models.CharField(max_length=8, default="9:16")
    short_side = models.PositiveIntegerField(default=540)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The playlist's persisted state (shop_video/live/hls.py): advanced by the first request that finds it due.
    media_sequence = models.PositiveBigIntegerField(default=0)
    discontinuity_sequence = models.PositiveBigIntegerField(default=0)
    window = models.JSONField(default=list, blank=True, help_text="The scheduled chunks, oldest first.")
    cursor = models.JSONField(null=True, blank=True, help_text="The slot being scheduled and its next chunk.")
    # When the playlist was last advanced (epoch seconds; null: never). Reads compare the stored schedule with the
    # clock and this, and take the write path only when it is due (hls.advance_due); the conditional UPDATE on it
    # lets one request of those that find it due advance it.
    playlist_advanced_at = models.FloatField(null=True, blank=True)
    # Segment id -> [C2PA manifest URL, AI-generated] for the segments the schedule lists, looked up when it is
    # advanced so that a read of the playlist is one query (selectors.live_segment_manifests).
    playlist_manifests = models.JSONField(default=dict, blank=True)
    # The product on air now (shop_video/live/on_air.py): sku, price, currency, product_url, title, since, segment,
    # item. Set at each product change by the push or, for a room only watched over HLS, by the playlist.
    on_air = models.JSONField(null=True, blank=True, help_text="The product on air now; null before the first.")

    class Meta:
        ordering = ["merchant", "name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "slug"], name="liveroom_unique_slug_per_merchant")]

    def __str__(self):
        return self.name

    @property
    def stream_path(self) -> str:
        return f"/live/{self.key}/index.m3u8"


class LiveRoomItem(models.Model):
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=255, help_text="The variant rendered (its price is on the price card).")

    class Meta:
        ordering = ["room", "position"]
        constraints = [models.UniqueConstraint(fields=["room", "position"], name="liveroomitem_unique_position")]

    def __str__(self):
        return f"{self.position}. {self.sku}"


class LiveSegmentStatus(models.TextChoices):
    # The segment's own steps: "queued" until its render job has finished (queued or running there), then
    # "rendering" while live_segment_cut re-encodes the rendition into HLS chunks.
    QUEUED = "queued", "Waiting for its render"
    RENDERING = "rendering", "Encoding into stream chunks"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class LiveSegment(models.Model):
    """One rendering of an item. The newest ready one plays; older ones stay until the schedule stops using them."""

    Status = LiveSegmentStatus

    item = models.ForeignKey(LiveRoomItem, on_delete=models.CASCADE, related_name="segments")
    render_job = models.ForeignKey(RenderJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(
        max_length=16, choices=LiveSegmentStatus.choices, default=LiveSegmentStatus.QUEUED, db_index=True
    )
    error = models.TextField(blank=True)
    # The variant's prices when the render was queued (the price card reads them later, so a change after this
    # point is caught by the next comparison and rendered again: never shown stale for more than a cycle).
    price = models.CharField(max_length=32, blank=True)
    compare_at_price = models.CharField(max_length=32, blank=True, help_text="Blank: not on sale.")
    currency = models.CharField(max_length=3, blank=True)
    chunks = models.JSONField(default=list, blank=True, help_text='[["0.ts", 2.0], ...] in playing order.')
    media_dir = models.CharField(max_length=300, blank=True, help_text="Storage folder of the chunks.")
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "-id"]

    def __str__(self):
        return f"segment {self.pk} of {self.item} ({self.status})"

    @property
    def duration(self) -> float:
        return sum(seconds for _, seconds in self.chunks)


# Push destinations (shop_video/live/push/) belong to this app's migrations.
from shop_video.live.push.models import LiveDestination  # noqa: E402, F401

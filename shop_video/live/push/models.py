"""Where a live room is pushed (a platform's RTMP/RTMPS ingest), when, and how the push is going.

Registered under the live app (imported by shop_video/live/models.py) so its migrations stay with the rooms'.
"""

from __future__ import annotations

from django.db import models

from shop_video.live.models import LiveRoom


class PushState(models.TextChoices):
    OFF = "off", "Off"  # stopped, or started but outside its schedule
    CONNECTING = "connecting", "Connecting"
    ON_AIR = "on_air", "On air"
    RETRYING = "retrying", "Retrying after a dropped or refused connection"


class LiveDestination(models.Model):
    """One ingest a room is pushed to. The stream key is stored encrypted (push/secrets.py) and shown masked."""

    State = PushState

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="destinations")
    name = models.CharField(max_length=100)
    url = models.CharField(max_length=500, help_text="rtmp:// or rtmps:// ingest URL, without the stream key.")
    stream_key_encrypted = models.TextField(help_text="Fernet token of the stream key (never shown in full).")
    stream_key_hint = models.CharField(max_length=8, blank=True, help_text="The key's last characters, for masking.")
    # The merchant's wish: pushed while `started` and within the schedule (blank times: around the clock).
    started = models.BooleanField(default=False)
    schedule_start = models.TimeField(null=True, blank=True)
    schedule_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", help_text="The schedule's time zone (IANA name).")
    # The lease of the worker pushing it: whoever holds an unexpired lease pushes; the supervisor (beat) sends the
    # push again once it has expired (a worker that died stops renewing it).
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # How the push is going (the metrics live-rooms expose).
    state = models.CharField(max_length=16, choices=PushState.choices, default=PushState.OFF)
    last_error = models.CharField(max_length=500, blank=True)
    bitrate_kbps = models.FloatField(default=0.0)
    dropped_frames = models.PositiveBigIntegerField(default=0)
    reconnects = models.PositiveIntegerField(default=0)
    seconds_on_air = models.FloatField(default=0.0)
    on_air_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "live"
        ordering = ["room", "id"]
        constraints = [models.UniqueConstraint(fields=["room", "name"], name="livedestination_unique_name_per_room")]

    def __str__(self):
        return f"{self.name} ({self.room})"

    @property
    def stream_key_masked(self) -> str:
        return f"••••{self.stream_key_hint}" if self.stream_key_hint else "••••"

    @property
    def around_the_clock(self) -> bool:
        return self.schedule_start is None or self.schedule_end is None

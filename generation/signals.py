"""Signals other apps listen to, so generation does not import them (live rooms wait for their segments' jobs)."""

from django.dispatch import Signal

# Sent once when a render job ends: kwargs job_id and event ("render.succeeded" or "render.failed").
render_job_finished = Signal()

"""The assembly telling its job where it is: which rendition, which stage (assembling, encoding, finishing) and how
far, so the dashboard shows "Encoding 9:16 (40 %)" with an ETA instead of a percentage stuck at 90.

Each report is a conditional UPDATE on a running job, which is also the assembly's heartbeat for the reaper;
zero rows means the job was cancelled or failed meanwhile, and the encode stops (AssemblyStopped)."""

from __future__ import annotations

import time

from django.utils import timezone

from generation.models import JobStage, JobStatus, RenderJob

REPORT_EVERY_SECONDS = 1.0
# Shots are the first 90 % of a job's percentage (job_states.render_job_progress_update); the assembly the rest.
ASSEMBLY_START_PERCENT = 90
# Of one rendition's assembly: building its timeline is quick, the encode most, the poster, preview and checks last.
ENCODE_SHARE = 0.8


class AssemblyStopped(Exception):
    """The job is no longer running (cancelled, failed by the reaper): stop assembling it."""


class AssemblyStageReporter:
    def __init__(self, *, job: RenderJob):
        self._job = job
        self._last = 0.0
        self._index = 0

    def stage(self, stage: JobStage, *, aspect_ratio: str, fraction: float = 0.0) -> None:
        """Record a stage of the rendition `aspect_ratio` (`fraction` of that stage done); always written."""
        self._index = list(self._job.aspect_ratios).index(aspect_ratio)
        self._write(stage, aspect_ratio, fraction)

    def encoded(self, done: int, total: int) -> None:
        """render_timeline's on_frame: at most once a second (and at the last frame)."""
        now = time.monotonic()
        if now - self._last < REPORT_EVERY_SECONDS and done < total:
            return
        self._last = now
        self._write(JobStage.ENCODING, self._job.aspect_ratios[self._index], done / max(total, 1))

    def _write(self, stage: JobStage, aspect_ratio: str, fraction: float) -> None:
        within = {JobStage.ENCODING: fraction * ENCODE_SHARE, JobStage.FINISHING: ENCODE_SHARE}.get(stage, 0.0)
        done_share = (self._index + within) / len(self._job.aspect_ratios)
        alive = RenderJob.objects.filter(pk=self._job.pk, status=JobStatus.RUNNING).update(
            stage=stage,
            stage_aspect_ratio=aspect_ratio,
            stage_progress=min(100, int(100 * fraction)),
            progress=ASSEMBLY_START_PERCENT + int((99 - ASSEMBLY_START_PERCENT) * done_share),
            heartbeat_at=timezone.now(),
        )
        if not alive:
            raise AssemblyStopped(f"render job {self._job.pk} is no longer running")

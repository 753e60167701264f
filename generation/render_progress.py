"""A render job's progress in words, with an ETA from rates measured on this install.

- The label follows the job's stage (RenderJob.stage, set by the shot runner and the assembly): "Waiting for a
  worker", "Shot 2 of 5", "Assembling 9:16", "Encoding 9:16 (40 %)", "Poster and checks for 9:16".
- The ETA adds the shots still to make (this job's own pace once a shot of it finished, else the mean time of the
  engine's recent shots) and the assembly (seconds per second of video per pixel of frame, from recent assemblies,
  times this video's length and its renditions' frame areas: a 1080 px render costs what its pixels cost, not
  what the last 180 px draft did). Anything not measured yet means no ETA: none rather than a wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import ExpressionWrapper, F, FloatField, Sum
from django.utils import timezone

from generation.aspect_ratios import ASPECT_SHAPES
from generation.models import FINISHED_STATUSES, JobStage, JobStatus, RenderJob, Shot
from generation.template_spec import template_spec_parse

# How many recent shots / assemblies a rate is the mean of: recent enough to follow a changed machine.
MEASURED_SAMPLES = 20


@dataclass(frozen=True)
class RenderProgress:
    label: str
    percent: int
    eta_seconds: int | None

    @property
    def eta_text(self) -> str:
        """ "about 40 s left", "about 3 min left"; empty without an ETA."""
        if self.eta_seconds is None:
            return ""
        if self.eta_seconds < 60:
            return f"about {max(5, round(self.eta_seconds / 5) * 5)} s left"
        return f"about {round(self.eta_seconds / 60)} min left"


class MeasuredRates:
    """The install's measured rates, each read once: one per page listing many renders, not one per render."""

    def __init__(self):
        self._shot_seconds: dict[str, float | None] = {}
        self._assembly: list[float | None] = []

    def shot_seconds(self, engine: str) -> float | None:
        if engine not in self._shot_seconds:
            self._shot_seconds[engine] = shot_seconds_measured(engine=engine)
        return self._shot_seconds[engine]

    def assembly(self) -> float | None:
        if not self._assembly:
            self._assembly.append(assembly_seconds_per_pixel_second())
        return self._assembly[0]


def render_job_progress(
    *, job: RenderJob, now: datetime | None = None, rates: MeasuredRates | None = None
) -> RenderProgress:
    now = now or timezone.now()
    rates = rates or MeasuredRates()
    if job.status in FINISHED_STATUSES:
        return RenderProgress(label=job.get_status_display(), percent=job.progress, eta_seconds=None)
    shots = list(
        job.shots.only("status", "progress", "started_at", "num_frames", "fps", "aspect_ratio", "scene", "engine")
    )
    return RenderProgress(label=_label(job, shots), percent=job.progress, eta_seconds=_eta(job, shots, now, rates))


def _label(job: RenderJob, shots: list[Shot]) -> str:
    ratio = job.stage_aspect_ratio
    if job.status == JobStatus.QUEUED or job.stage == JobStage.QUEUED:
        return JobStage.QUEUED.label
    if job.stage == JobStage.SHOTS:
        done = sum(shot.status == JobStatus.SUCCEEDED for shot in shots)
        if done == len(shots):
            return "Shots done"
        # The furthest running shot's own progress: a long shot moves the label, not only the overall percentage.
        running = max((shot.progress for shot in shots if shot.status == JobStatus.RUNNING), default=0)
        return f"Shot {done + 1} of {len(shots)}" + (f" ({running} %)" if running else "")
    if job.stage == JobStage.ASSEMBLING:
        return f"Assembling {ratio}" if ratio else "Assembling"
    if job.stage == JobStage.ENCODING:
        return f"Encoding {ratio} ({job.stage_progress} %)"
    if job.stage == JobStage.FINISHING:
        return f"Poster and checks for {ratio}"
    return job.get_stage_display()


def _eta(job: RenderJob, shots: list[Shot], now: datetime, rates: MeasuredRates) -> int | None:
    assembly_rate = rates.assembly()
    output_seconds = _output_seconds(job, shots)
    if assembly_rate is None or output_seconds is None:
        return None
    assembly_total = (
        assembly_rate * output_seconds * sum(_frame_pixels(ratio, job.short_side) for ratio in job.aspect_ratios)
    )
    if job.stage in (JobStage.ASSEMBLING, JobStage.ENCODING, JobStage.FINISHING) and job.assembly_started_at:
        left = assembly_total - (now - job.assembly_started_at).total_seconds()
        return round(left) if left > 0 else None  # past the estimate: it was wrong, say nothing
    shots_left = _shots_seconds_left(job, shots, now, rates)
    return None if shots_left is None else round(shots_left + assembly_total)


def _shots_seconds_left(job: RenderJob, shots: list[Shot], now: datetime, rates: MeasuredRates) -> float | None:
    unfinished = [shot for shot in shots if shot.status != JobStatus.SUCCEEDED]
    if not unfinished:
        return 0.0
    done = len(shots) - len(unfinished)
    if done and job.started_at:
        # This job's own pace: it includes how many workers it gets, which no mean over other jobs knows.
        per_shot = (now - job.started_at).total_seconds() / done
        return per_shot * len(unfinished)
    left = 0.0
    for shot in unfinished:
        measured = rates.shot_seconds(shot.engine)
        if measured is None:
            return None
        running_for = (now - shot.started_at).total_seconds() if shot.started_at else 0.0
        left += max(measured - running_for, 0.0)
    return left


def shot_seconds_measured(*, engine: str) -> float | None:
    """The mean seconds a worker took for one of the engine's recent shots on this install; None before any."""
    times = Shot.objects.filter(
        engine=engine, status=JobStatus.SUCCEEDED, started_at__isnull=False, finished_at__isnull=False
    ).order_by("-finished_at")[:MEASURED_SAMPLES]
    spans = [(shot.finished_at - shot.started_at).total_seconds() for shot in times.only("started_at", "finished_at")]
    return sum(spans) / len(spans) if spans else None


def assembly_seconds_per_pixel_second() -> float | None:
    """Seconds of assembly per second of video per pixel of its frames, over recent assemblies on this install
    (compositing and encoding scale with both); None before any."""
    pixel_seconds = ExpressionWrapper(
        F("renditions__duration") * F("renditions__width") * F("renditions__height"), output_field=FloatField()
    )
    jobs = (
        RenderJob.objects.filter(
            status=JobStatus.SUCCEEDED, assembly_started_at__isnull=False, finished_at__isnull=False
        )
        .annotate(pixel_seconds=Sum(pixel_seconds))
        .filter(pixel_seconds__gt=0)
        .order_by("-finished_at")
        .only("assembly_started_at", "finished_at")[:MEASURED_SAMPLES]
    )
    spent = output = 0.0
    for job in jobs:
        spent += (job.finished_at - job.assembly_started_at).total_seconds()
        output += job.pixel_seconds
    return spent / output if output else None


def _frame_pixels(aspect_ratio: str, short_side: int) -> float:
    width, height = ASPECT_SHAPES.get(aspect_ratio, (1, 1))
    return short_side * short_side * max(width, height) / min(width, height)


def _output_seconds(job: RenderJob, shots: list[Shot]) -> float | None:
    """The video's length: its card scenes from the template plus its shots (one aspect ratio's worth)."""
    try:
        spec = template_spec_parse(job.template_spec, fps=job.fps)
    except ValidationError:
        return None
    shot_scenes = {shot.scene for shot in shots}
    cards = sum(scene.frames for index, scene in enumerate(spec.scenes) if index not in shot_scenes) / spec.fps
    per_ratio: dict[str, float] = {}
    for shot in shots:
        per_ratio[shot.aspect_ratio] = per_ratio.get(shot.aspect_ratio, 0.0) + shot.num_frames / shot.fps
    return cards + max(per_ratio.values(), default=0.0)

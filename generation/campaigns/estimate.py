"""What a campaign will cost before it runs: shots, worker seconds per engine (GPU or CPU), storage and the finish
time at the current fleet. Rates are measured on this install (recent finished shots per engine) and fall back to
docs/capacity.md's figures while too few shots have run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Product
from generation.engines.registry import engine_queue, engine_shots_per_aspect_ratio
from generation.models import JobStatus, Shot
from generation.template_spec import (
    PresenterScene,
    ProductShotsScene,
    TemplateSpec,
    spec_max_frames,
    template_spec_parse,
)
from shop_video import queues

# Worker seconds per second of shot video, docs/capacity.md: motion ~10 core-s per 5 s shot, the CPU presenter
# ~13, an LTX DiT shot ~8 GPU-s (40 steps), the GPU presenter not measured (a cautious guess).
DEFAULT_SECONDS_PER_VIDEO_SECOND = {"motion": 2.0, "presenter-cpu": 2.6, "dit": 1.6, "presenter": 10.0}
FALLBACK_SECONDS_PER_VIDEO_SECOND = 2.0
ASSEMBLY_SECONDS_PER_VIDEO_SECOND = 23 / 15  # 23 core-s per 15 s rendition at 1080x1920 (bench/assembly.py)
# Per rendition of ~15 s: 3.2 MB public (MP4, poster, preview) and 11 MB of private shot clips (docs/capacity.md).
PUBLIC_BYTES_PER_RENDITION = 3_230_000
PRIVATE_BYTES_PER_RENDITION = 11_000_000
MEASURED_SAMPLE = 200  # recent shots per engine
MEASURED_MINIMUM = 20  # fewer than this: the documented default


@dataclass(frozen=True)
class EngineRate:
    seconds_per_video_second: float
    source: str  # "measured (N shots)" or "docs/capacity.md"


def engine_rate(*, engine: str) -> EngineRate:
    shots = (
        Shot.objects.filter(
            engine=engine, status=JobStatus.SUCCEEDED, started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("-id")
        .values_list("started_at", "finished_at", "num_frames", "fps")[:MEASURED_SAMPLE]
    )
    worked = video = 0.0
    count = 0
    for started, finished, frames, fps in shots:
        worked += (finished - started).total_seconds()
        video += frames / fps if fps else 0
        count += 1
    if count >= MEASURED_MINIMUM and video > 0:
        return EngineRate(worked / video, f"measured ({count} recent shots)")
    default = DEFAULT_SECONDS_PER_VIDEO_SECOND.get(engine, FALLBACK_SECONDS_PER_VIDEO_SECOND)
    return EngineRate(default, "docs/capacity.md")


@dataclass
class TemplateLoad:
    """One product's work under one template: shots and video seconds per engine, and its video's length."""

    shots: dict[str, int]
    shot_seconds: dict[str, float]
    video_seconds: float


def template_load(*, spec: TemplateSpec, engine: str | None, aspect_ratios: list[str]) -> TemplateLoad:
    shots: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for scene in spec.scenes:
        if isinstance(scene, ProductShotsScene):
            name, count, length = engine or scene.engine or settings.DEFAULT_SHOT_ENGINE, scene.max_shots, scene.frames
        elif isinstance(scene, PresenterScene):
            name, count, length = (
                engine if engine in ("presenter", "presenter-cpu") else (scene.engine or "presenter-cpu"),
                1,
                scene.frames,
            )
        else:
            continue
        copies = len(aspect_ratios) if engine_shots_per_aspect_ratio(name) else 1
        shots[name] = shots.get(name, 0) + count * copies
        seconds[name] = seconds.get(name, 0.0) + count * copies * length / spec.fps
    return TemplateLoad(shots, seconds, spec_max_frames(spec) / spec.fps)


def campaign_cost(
    *, templates: dict[str, tuple[TemplateSpec, int]], engine: str | None, aspect_ratios: list[str]
) -> dict:
    """templates: slug -> (its spec, products it renders). The estimate as the API shows it."""
    per_engine: dict[str, dict] = {}
    queue_seconds: dict[str, float] = {}
    renditions = video_seconds = 0.0
    shots_total = 0
    for spec, products in templates.values():
        load = template_load(spec=spec, engine=engine, aspect_ratios=aspect_ratios)
        for name, count in load.shots.items():
            entry = per_engine.setdefault(name, {"engine": name, "shots": 0, "video_seconds": 0.0})
            entry["shots"] += count * products
            entry["video_seconds"] += load.shot_seconds[name] * products
            shots_total += count * products
        renditions += len(aspect_ratios) * products
        video_seconds += load.video_seconds * len(aspect_ratios) * products
    engines = []
    for name, entry in sorted(per_engine.items()):
        rate = engine_rate(engine=name)
        queue = engine_queue(name)
        work = entry["video_seconds"] * rate.seconds_per_video_second
        queue_seconds[queue] = queue_seconds.get(queue, 0.0) + work
        engines.append(
            {
                "engine": name,
                "queue": queue,
                "hardware": "gpu" if queue.startswith("gpu.") else "cpu",
                "shots": entry["shots"],
                "worker_seconds": round(work, 1),
                "seconds_per_video_second": round(rate.seconds_per_video_second, 3),
                "rate_source": rate.source,
            }
        )
    assembly = video_seconds * ASSEMBLY_SECONDS_PER_VIDEO_SECOND
    queue_seconds[queues.RENDER] = queue_seconds.get(queues.RENDER, 0.0) + assembly
    # Queues run side by side; each drains at its own fleet's pace, the slowest sets the finish.
    wall = max(
        (seconds / max(1, settings.RENDER_FLEET.get(queue, 1)) for queue, seconds in queue_seconds.items()), default=0
    )
    return {
        "shots": shots_total,
        "renditions": int(renditions),
        "engines": engines,
        "assembly_cpu_seconds": round(assembly, 1),
        "gpu_seconds": round(sum(e["worker_seconds"] for e in engines if e["hardware"] == "gpu"), 1),
        "cpu_seconds": round(sum(e["worker_seconds"] for e in engines if e["hardware"] == "cpu") + assembly, 1),
        "storage_bytes": {
            "public": int(renditions * PUBLIC_BYTES_PER_RENDITION),
            "private": int(renditions * PRIVATE_BYTES_PER_RENDITION),
        },
        "fleet": {queue: max(1, settings.RENDER_FLEET.get(queue, 1)) for queue in sorted(queue_seconds)},
        "duration_seconds": round(wall, 1),
        "finishes_at": (timezone.now() + timedelta(seconds=wall)).isoformat(),
    }


def spec_parse_for(template) -> TemplateSpec:
    try:
        return template_spec_parse(template.spec, fps=settings.RENDER_FPS)
    except ValidationError as exc:
        raise ValidationError(f"Template {template.slug!r} is invalid: {'; '.join(exc.messages)}") from None


def products_by_template(*, products: QuerySet[Product], default_slug: str, rules: dict[str, str]) -> dict[str, int]:
    """How many selected products each template renders (a rule per product type, else the default)."""
    counts: dict[str, int] = {}
    ruled = 0
    for product_type, slug in rules.items():
        count = products.filter(product_type__iexact=product_type).count()
        counts[slug] = counts.get(slug, 0) + count
        ruled += count
    counts[default_slug] = counts.get(default_slug, 0) + products.count() - ruled
    return {slug: count for slug, count in counts.items() if count}

"""Campaign overhead: a campaign over 20,000 generated products on PostgreSQL, rendered by a real Celery worker
with a stub engine that sleeps a fixed time (the point is the platform's overhead, not rendering).

The worker (bench/campaign_worker.py: the project's Celery app with the assembly replaced by the same fixed
sleep, since x264 would swamp what is measured) runs every queue with two processes. Shots still go through the
real shot runner (claim, photo copied to scratch, a tiny clip written through storage), renders through
render_job_create with every check, and campaign renders through the scheduler (caps, cursor, advance tasks).

    create + launch     campaign_create + campaign_launch over the whole selection, and the first chunk
    campaign            K renders through the campaign (lazy, capped): wall seconds per render
    bare                the same K renders created up front as one-off renders and drained by the same worker:
                        wall seconds per render (the task round trip without any scheduling). ratio = campaign /
                        bare, target <= 1.2
    rows, queries       database rows and queries per render made by an advance
    lazy vs up front    creating every render of the campaign at launch, extrapolated from the bare phase's
                        creation time and rows per render
    fairness            the wait (creation -> its shot claimed) of one-off renders submitted while the campaign
                        runs, against the same render on an idle queue, and behind the uncapped up-front backlog

    python bench/campaign.py            # 20,000 products, 200 renders per phase (under 4 minutes)
    python bench/campaign.py --quick    # 1,000 products, 24 renders per phase (under 1 minute)

Runs in a throwaway database on DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/shop_video;
its test_ database is created and dropped) and on CELERY_BROKER_URL (default redis://127.0.0.1:6379/15, flushed).
The last line: `campaign ratio=X key=value ...`.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHOT_SECONDS = float(os.environ.get("BENCH_SHOT_SECONDS", "0.05"))
ASSEMBLY_SECONDS = float(os.environ.get("BENCH_ASSEMBLY_SECONDS", "0.05"))
MERCHANT_CAP = 4  # twice the worker's processes: it stays busy, a one-off waits behind a few renders
PROBE_EVERY_SECONDS = 1.0
PROBES = 8


class SleepEngine:
    """The stub engine: holds its worker for SHOT_SECONDS, then hands back black frames of the shot's size."""

    name = "sleepy"

    def generate(self, request, *, on_step=None):
        import numpy as np

        from generation.engines.base import ShotResult

        time.sleep(SHOT_SECONDS)
        frames = np.zeros((request.num_frames, request.height, request.width, 3), dtype=np.uint8)
        return ShotResult(frames=frames, fps=request.fps)


def assemble_stub(*, job_id: int) -> None:
    """The assembly replaced by a fixed sleep; the job then succeeds the way the real one ends (conditional
    update, then render.succeeded, which advances its campaign)."""
    from django.db import transaction
    from django.utils import timezone

    from generation.models import JobStatus, RenderJob
    from generation.services.payloads import render_job_event_emit

    time.sleep(ASSEMBLY_SECONDS)
    with transaction.atomic():
        if RenderJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            status=JobStatus.SUCCEEDED, progress=100, finished_at=timezone.now()
        ):
            render_job_event_emit(job_id=job_id, event="render.succeeded")


def _environment(tmp: Path) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "shop_video.settings",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/shop_video"),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"),
        "SHOT_ENGINE_PLUGINS": "sleepy=bench.campaign.SleepEngine@cpu",
        "RENDITION_SHORT_SIDE": "64",
        "RENDER_FPS": "10",
        "MEDIA_ROOT": str(tmp / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "VAR_DIR": str(tmp / "var"),
        "CAMPAIGN_MERCHANT_IN_FLIGHT": str(MERCHANT_CAP),
        "CAMPAIGN_BATCH_IN_FLIGHT": str(MERCHANT_CAP * 2),
        "RENDER_QUOTA_SECONDS_PER_MONTH": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    return env


def _catalog_make(merchant, count: int) -> None:
    """count products, one variant and one ready photo each (all the same stored file), by bulk insert."""
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from PIL import Image

    from catalog.models import Product, ProductImage, Variant
    from shop_video.media import private_storage_get

    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 40, 40)).save(photo, format="JPEG")
    name = private_storage_get().save(f"images/{merchant.pk}/bench.jpg", ContentFile(photo.getvalue()))
    products = Product.objects.bulk_create(
        [
            Product(merchant=merchant, key=f"p-{i:06d}", title=f"Mug {i}", product_type="Mugs", category="Kitchen")
            for i in range(count)
        ],
        batch_size=5000,
    )
    Variant.objects.bulk_create(
        [
            Variant(merchant=merchant, product=p, key=p.key, sku=p.key.upper(), price=Decimal("9.99"), currency="USD")
            for p in products
        ],
        batch_size=5000,
    )
    ProductImage.objects.bulk_create(
        [
            ProductImage(
                merchant=merchant,
                product=p,
                file=name,
                sha256=f"{p.pk:064x}",
                width=320,
                height=240,
                status=ProductImage.Status.READY,
            )
            for p in products
        ],
        batch_size=5000,
    )


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    from shop_video import queues

    command = [sys.executable, "-m", "celery", "-A", "bench.campaign_worker", "worker", "--queues"]
    command += [",".join(queues.names()), "--concurrency", "2", "--without-mingle", "--without-gossip"]
    command += ["--loglevel", "WARNING", "--hostname", f"bench-campaign-{os.getpid()}@%h"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process


def _wait(condition, *, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    sys.exit(f"bench/campaign.py: timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def _probe_waits(job_ids: list[int]) -> list[float]:
    """Seconds from each render's creation to its first shot being claimed."""
    from generation.models import RenderJob

    waits = []
    for job in RenderJob.objects.filter(pk__in=job_ids).prefetch_related("shots"):
        started = min(shot.started_at for shot in job.shots.all())
        waits.append((started - job.created_at).total_seconds())
    return waits


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 products, 24 renders per phase")
    quick = parser.parse_args().quick
    products, renders = (1_000, 24) if quick else (20_000, 200)
    tmp = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    env = _environment(tmp)

    import django

    django.setup()
    import redis
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from generation.campaigns.scheduler import campaign_advance
    from generation.campaigns.services import campaign_create, campaign_launch, campaign_pause
    from generation.models import JobStatus, RenderJob, Shot, VideoTemplate
    from generation.provenance.dev_certificate import dev_certificate_write
    from generation.services.render_jobs import render_job_create
    from shop_video.tenancy.services import merchant_create

    if connection.vendor != "postgresql":
        sys.exit("bench/campaign.py measures PostgreSQL: set DATABASE_URL to a PostgreSQL server")
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    from django.conf import settings

    dev_certificate_write(cert_path=settings.C2PA_SIGN_CERT, key_path=settings.C2PA_SIGN_KEY)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    log = tmp / "worker.log"
    worker = None
    try:
        merchant = merchant_create(slug="bench", name="Bench", owner_email="o@bench.test", owner_password="x" * 20)
        other = merchant_create(slug="other", name="Other", owner_email="o@other.test", owner_password="x" * 20)
        spec = {"scenes": [{"type": "product_shots", "duration": 0.3, "max_shots": 1}]}
        spec["music"] = False
        for owner in (merchant, other):
            VideoTemplate.objects.create(merchant=owner, slug="bench", name="Bench", spec=spec)
        started = time.perf_counter()
        _catalog_make(merchant, products)
        _catalog_make(other, PROBES * 3)
        catalog_s = time.perf_counter() - started
        worker = _worker(env, log)
        other_skus = [f"P-{i:06d}" for i in range(PROBES * 3)]
        warm = render_job_create(merchant=other, template_slug="bench", engine="sleepy", sku=other_skus.pop())
        _wait(  # the worker is up and every process has run the path once before anything is timed
            lambda: RenderJob.objects.filter(pk=warm.pk, status=JobStatus.SUCCEEDED).exists(),
            timeout=120,
            what="the worker to start",
            log=log,
        )

        # 1. create + launch (the first chunk made in-process, counted)
        started = time.perf_counter()
        campaign = campaign_create(
            merchant=merchant, name="All", template="bench", engine="sleepy", selection={"all": True}
        )
        create_s = time.perf_counter() - started
        started = time.perf_counter()
        campaign_launch(campaign=campaign)
        with CaptureQueriesContext(connection) as queries:
            made = campaign_advance(campaign_id=campaign.pk)
        launch_s = time.perf_counter() - started
        queries_per_render = len(queries) / max(made, 1)
        rows_per_render = (Shot.objects.filter(job__campaign=campaign).count() + made) / max(made, 1)

        # 2. the campaign renders K, with one-off probes of the other merchant submitted during it
        probes_busy: list[int] = []
        phase_started = time.monotonic()
        next_probe = phase_started + PROBE_EVERY_SECONDS

        def campaign_done() -> int:
            nonlocal next_probe
            if time.monotonic() >= next_probe and len(probes_busy) < PROBES:
                probes_busy.append(
                    render_job_create(merchant=other, template_slug="bench", engine="sleepy", sku=other_skus.pop()).pk
                )
                next_probe = time.monotonic() + PROBE_EVERY_SECONDS
            return RenderJob.objects.filter(campaign=campaign, status=JobStatus.SUCCEEDED).count() >= renders

        _wait(campaign_done, timeout=600, what=f"{renders} campaign renders", log=log)
        campaign_s = time.monotonic() - phase_started
        campaign_pause(campaign=campaign)
        _wait(
            lambda: not RenderJob.objects.exclude(status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED)).exists(),
            timeout=120,
            what="the campaign's in-flight renders",
            log=log,
        )
        campaign_rendered = RenderJob.objects.filter(campaign=campaign, status=JobStatus.SUCCEEDED).count()

        # 3. bare: the same number of renders created up front as one-off renders, the same worker drains them
        bare_skus = [f"P-{i:06d}" for i in range(products - renders, products)]
        started = time.perf_counter()
        with transaction.atomic():
            bare_ids = [
                render_job_create(merchant=merchant, template_slug="bench", engine="sleepy", sku=sku).pk
                for sku in bare_skus
            ]
        upfront_create_total_s = time.perf_counter() - started
        upfront_create_s = upfront_create_total_s / renders
        upfront_rows = (Shot.objects.filter(job_id__in=bare_ids).count() + renders) / renders
        phase_started = time.monotonic()
        probes_backlog = [
            render_job_create(merchant=other, template_slug="bench", engine="sleepy", sku=other_skus.pop()).pk
        ]
        for _ in range(3):  # a few more through the backlog, a moment apart
            time.sleep(PROBE_EVERY_SECONDS)
            probes_backlog.append(
                render_job_create(merchant=other, template_slug="bench", engine="sleepy", sku=other_skus.pop()).pk
            )
        _wait(
            lambda: RenderJob.objects.filter(pk__in=bare_ids, status=JobStatus.SUCCEEDED).count() >= renders,
            timeout=600,
            what=f"{renders} up-front renders",
            log=log,
        )
        bare_s = time.monotonic() - phase_started
        _wait(
            lambda: not RenderJob.objects.exclude(status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED)).exists(),
            timeout=120,
            what="the probes",
            log=log,
        )

        # 4. the same one-off render on an idle queue, one at a time
        probes_idle = []
        for _ in range(PROBES):
            job = render_job_create(merchant=other, template_slug="bench", engine="sleepy", sku=other_skus.pop())
            probes_idle.append(job.pk)
            _wait(
                lambda job=job: RenderJob.objects.filter(pk=job.pk, status=JobStatus.SUCCEEDED).exists(),
                timeout=60,
                what="an idle-queue probe",
                log=log,
            )
        failed = RenderJob.objects.filter(status=JobStatus.FAILED).values_list("error", flat=True)[:3]
        if failed:
            sys.exit(f"bench/campaign.py: renders failed: {list(failed)}")
        busy, backlog, idle = _probe_waits(probes_busy), _probe_waits(probes_backlog), _probe_waits(probes_idle)
        campaign.refresh_from_db()
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=30)
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)

    # Per render finished in the phase (probes included); the bare phase also pays its renders' creation, which
    # the campaign does inside its phase (render_job_create in the advance tasks).
    per_render_campaign = campaign_s / (campaign_rendered + len(probes_busy))
    per_render_bare = (upfront_create_total_s + bare_s) / (renders + len(probes_backlog))
    ratio = per_render_campaign / per_render_bare
    upfront_all_s = upfront_create_s * products
    print(
        f"campaign, {products:,} products on PostgreSQL, {renders} renders per phase, stub engine {SHOT_SECONDS} s "
        f"+ assembly {ASSEMBLY_SECONDS} s, 1 worker x 2 processes, merchant cap {MERCHANT_CAP}"
    )
    rows = [
        ("catalog generated (s)", f"{catalog_s:.1f}"),
        ("create campaign (s)", f"{create_s:.3f}"),
        (f"launch + first chunk of {made} (s)", f"{launch_s:.3f}"),
        ("campaign: wall s per render", f"{per_render_campaign:.3f}"),
        ("bare (created up front, no scheduler): s per render", f"{per_render_bare:.3f}"),
        ("ratio campaign / bare", f"{ratio:.2f}"),
        ("queries per render (advance)", f"{queries_per_render:.1f}"),
        ("rows per render (job + shots)", f"{rows_per_render:.1f}"),
        ("up front: create s per render", f"{upfront_create_s:.4f}"),
        (
            f"up front: all {products:,} at launch (s, rows; extrapolated)",
            f"{upfront_all_s:.0f}, {upfront_rows * products:,.0f}",
        ),
        ("lazy: at launch (s, rows)", f"{launch_s:.2f}, {rows_per_render * made:.0f}"),
        ("one-off wait p95, idle queue (s)", f"{_p95(idle):.3f}"),
        ("one-off wait p95, during the campaign (s)", f"{_p95(busy):.3f}"),
        ("one-off wait p95, behind the up-front backlog (s)", f"{_p95(backlog):.3f}"),
    ]
    for name, value in rows:
        print(f"  {name:<60}{value:>14}")
    print(
        f"campaign ratio={ratio:.2f} products={products} renders={renders} create_s={create_s:.3f} "
        f"launch_s={launch_s:.3f} per_render_s={per_render_campaign:.3f} bare_per_render_s={per_render_bare:.3f} "
        f"queries_per_render={queries_per_render:.1f} rows_per_render={rows_per_render:.1f} "
        f"upfront_all_s={upfront_all_s:.0f} wait_p95_idle_s={_p95(idle):.3f} wait_p95_campaign_s={_p95(busy):.3f} "
        f"wait_p95_backlog_s={_p95(backlog):.3f} status={campaign.status}"
    )


if __name__ == "__main__":
    main()

"""kill -9 a worker 20 times at random points (mid-shot, mid-assembly, mid-upload), across a handful of jobs: every
job finishes exactly once with every rendition, and nothing runs on past its lease.

A kill is either the whole worker (main process and pool child, as a node going away) or its pool child alone (as
the OOM killer picks the biggest process); Celery respawns a lost child. The random choices (which process, how
long to wait into the phase) come from a seeded generator: the seed is printed, and FAULTS_SEED=<seed> repeats
a run. Runs on the suite's configured broker (CI: Redis; locally the embedded filesystem broker).
"""

import contextlib
import os
import random
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from generation.models import JobStatus, RenderJob, Shot
from tests.e2e.worker import celery_worker, queues_purge, worker_kill
from tests.faults.jobs import (
    jobs_assert_exactly_once,
    jobs_drive,
    jobs_submit,
    reap_and_check_leases,
    unfinished,
    worker_env,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

KILLS = 20
PHASES = ("shot", "assembly", "upload")
# How far into an observed phase a kill may land (seconds): a tiny shot runs for about half a second, an assembly
# for under a second, and writing one file for a few hundredths.
INTO_PHASE = {"shot": 0.4, "assembly": 0.5, "upload": 0.02}
YOUNG_CHILD_SECONDS = 2.0


def _media_roots() -> list[Path]:
    return [Path(root) for root in (settings.MEDIA_ROOT, getattr(settings, "PRIVATE_MEDIA_ROOT", None)) if root]


def _partial_files() -> set[Path]:
    return {path for root in _media_roots() if root.exists() for path in root.rglob(".partial-*")}


def _in_phase(phase: str, *, left_by_kills: set[Path], last_kill) -> bool:
    # Signs of life newer than the last kill only: work the last kill interrupted still looks alive for a second,
    # and killing the pool child that replaces it before it has started anything tests Celery's start-up, not us.
    recently = max(timezone.now() - timedelta(seconds=1), last_kill)
    if phase == "shot":
        return Shot.objects.filter(status=JobStatus.RUNNING, heartbeat_at__gte=recently).exists()
    if phase == "assembly":  # claimed (attempts counts claims) within the last second
        return RenderJob.objects.filter(
            status=JobStatus.RUNNING, assembly_queued_at__isnull=False, attempts__gt=0, heartbeat_at__gte=recently
        ).exists()
    # A file being written into media storage (not one a killed worker left half-written: never published).
    return bool(_partial_files() - left_by_kills)


def _pool_children(worker: subprocess.Popen) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


def _age_seconds(pid: int) -> float:
    """How long the process has been running (/proc: its start in clock ticks since boot)."""
    try:
        started = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return 0.0
    return uptime - started / os.sysconf("SC_CLK_TCK")


class _Workers:
    """One live worker at a time; a whole-worker kill is followed by a fresh one."""

    def __init__(self, log_path: Path):
        self.log_path, self.stack, self.process = log_path, contextlib.ExitStack(), None

    def start(self) -> None:
        self.stack = contextlib.ExitStack()
        self.process = self.stack.enter_context(celery_worker(self.log_path, env=worker_env()))

    def kill(self, *, whole: bool) -> str:
        children = _pool_children(self.process)
        # A pool child killed within about a second of its start can leave Celery's prefork pool holding the lost
        # job without ever reporting it (the worker stops taking work). That is Celery's start-up, not the
        # platform's recovery: such a kill takes the whole worker instead.
        if whole or not children or min(_age_seconds(pid) for pid in children) < YOUNG_CHILD_SECONDS:
            worker_kill(self.process)  # SIGKILL to the process group: main process and pool child
            self.stack.close()
            self.start()
            return "worker"
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return "pool child"

    def children_settle(self) -> None:
        """Wait until the pool children are old enough to be killed alone (see kill)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            children = _pool_children(self.process)
            if children and min(_age_seconds(pid) for pid in children) >= YOUNG_CHILD_SECONDS:
                return
            time.sleep(0.1)

    def close(self) -> None:
        self.stack.close()


def _wait_for_phase(phase: str, shop, job_ids: list[int], *, left_by_kills: set[Path], last_kill, timeout=60) -> None:
    """Poll (reaping every half second) until `phase` is under way; top up the work if it runs dry."""
    deadline, next_reap = time.monotonic() + timeout, 0.0
    while time.monotonic() < deadline:
        if _in_phase(phase, left_by_kills=left_by_kills, last_kill=last_kill):
            return
        if time.monotonic() >= next_reap:
            reap_and_check_leases()
            if len(unfinished(job_ids)) < 2:
                job_ids += jobs_submit(shop, 2)
            next_reap = time.monotonic() + 0.5
        time.sleep(0.01)
    raise AssertionError(f"no {phase} was under way within {timeout:g} s")


def test_twenty_kills_at_random_points_lose_and_repeat_nothing(tiny_shop, configured_broker, tmp_path, capsys):
    seed = int(os.environ.get("FAULTS_SEED") or random.SystemRandom().randrange(1 << 32))
    with capsys.disabled():
        print(f"\nworker kills: FAULTS_SEED={seed}")
    rng = random.Random(seed)
    queues_purge()
    log_path = tmp_path / "worker.log"
    workers = _Workers(log_path)
    workers.start()
    kills, left_by_kills, last_kill = [], set(), timezone.now()
    try:
        job_ids = jobs_submit(tiny_shop, 4)
        for number in range(KILLS):
            phase = PHASES[number % len(PHASES)]
            # After a pool child's death Celery takes ~10 s (worker_lost_wait) to give up its job; a second child
            # killed meanwhile can leave the pool never running work again. So a child kill is followed by a
            # whole-worker kill, which a deployment's supervisor would also do to such a worker.
            whole = rng.random() < 0.35 or (bool(kills) and kills[-1][1] == "pool child")
            if not whole:
                workers.children_settle()
            _wait_for_phase(phase, tiny_shop, job_ids, left_by_kills=left_by_kills, last_kill=last_kill)
            time.sleep(rng.uniform(0, INTO_PHASE[phase]))
            kills.append((phase, workers.kill(whole=whole)))
            time.sleep(0.2)  # let the killed process's last write stop before noting what it left
            left_by_kills |= _partial_files()
            last_kill = timezone.now()
        jobs_drive(job_ids, timeout=120, log_path=log_path)
        after = jobs_submit(tiny_shop, 1)  # the surviving worker still serves
        jobs_drive(after, timeout=60, log_path=log_path)
    finally:
        workers.close()
    print(f"FAULTS_SEED={seed}: {len(job_ids)} jobs, kills {kills}")
    jobs_assert_exactly_once(job_ids + after)
    attempts = sum(Shot.objects.filter(job_id__in=job_ids).values_list("attempts", flat=True))
    assert attempts > len(job_ids), "no kill cost a shot its claim: the kills missed the shots"
    published = [name for job in RenderJob.objects.filter(pk__in=job_ids) for name in _published_names(job)]
    assert not [name for name in published if ".partial-" in name]


def _published_names(job: RenderJob) -> list[str]:
    names = [shot.file.name for shot in job.shots.all()]
    for rendition in job.renditions.all():
        names += [rendition.file.name, rendition.poster.name, rendition.preview.name]
    return names

"""The media disk full (a small tmpfs holding MEDIA_ROOT and PRIVATE_MEDIA_ROOT, where files are also written
before they are renamed into place): the task fails with "disk full", nothing half-written is published, and the
worker keeps serving once space is freed."""

import os

import numpy as np
import pytest

from generation.assembly.clipio import write_clip
from generation.models import JobStatus, RenderJob
from shop_video.media import media_file_writer
from shop_video.media_faults import DiskFull, IncompleteMedia, mp4_complete_check
from tests.e2e.worker import celery_worker, queues_purge
from tests.faults.jobs import jobs_assert_exactly_once, jobs_drive, jobs_submit, worker_env
from tests.faults.services import ServiceMissing, SmallDisk

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def small_disk(tmp_path, settings):
    """A 16 MiB tmpfs for the media folders (asked for before tiny_shop, so the product's photos live there)."""
    try:
        disk = SmallDisk(tmp_path / "small-disk", size=16 << 20)
    except ServiceMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root and must mount the fault tests' tmpfs: {exc}")
        pytest.skip(str(exc))
    settings.MEDIA_ROOT = disk.path / "media"
    settings.PRIVATE_MEDIA_ROOT = disk.path / "private"
    yield disk
    disk.unmount()


def _files(disk: SmallDisk) -> set[str]:
    return {str(path.relative_to(disk.path)) for path in disk.path.rglob("*") if path.is_file()}


def test_a_clip_cut_short_by_a_full_disk_is_disk_full_and_never_published(small_disk):
    small_disk.fill(leave=64 << 10)  # room for a few frames, not the clip
    frames = np.random.default_rng(0).integers(0, 255, (60, 128, 128, 3), dtype=np.uint8)
    with pytest.raises(DiskFull, match=r"^disk full: no space left in .* while writing renders/x/clip.mp4; free"):
        with media_file_writer("renders/x/clip.mp4") as path:
            write_clip(frames, 30, path)  # ffmpeg fails on ENOSPC, but exits without an exception
    assert not [name for name in _files(small_disk) if name.startswith(("media/renders", "private/renders"))]


def test_an_mp4_without_its_index_is_incomplete(tmp_path):
    path = tmp_path / "clip.mp4"
    write_clip(np.zeros((3, 16, 16, 3), dtype=np.uint8), 30, path)
    mp4_complete_check(path, name="clip.mp4")
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(IncompleteMedia, match="clip.mp4 is cut short"):
        mp4_complete_check(path, name="clip.mp4")


def test_a_render_on_a_full_disk_fails_with_disk_full_and_the_worker_keeps_serving(
    small_disk, tiny_shop, configured_broker, tmp_path
):
    queues_purge()
    log_path = tmp_path / "worker.log"
    before = _files(small_disk)
    filler = small_disk.fill(leave=0)
    with celery_worker(log_path, env=worker_env()) as worker:
        [full] = jobs_submit(tiny_shop, 1)
        jobs_drive([full], timeout=90, log_path=log_path)
        job = RenderJob.objects.get(pk=full)
        assert job.status == JobStatus.FAILED
        assert "disk full: no space left in" in job.error and "MEDIA_ROOT" in job.error, job.error
        assert not job.renditions.exists() and not job.shots.exclude(file="").exists()
        assert _files(small_disk) == before | {str(filler.relative_to(small_disk.path))}  # nothing half-written
        assert worker.poll() is None
        filler.unlink()  # space freed: the same worker renders the next job
        [after] = jobs_submit(tiny_shop, 1)
        jobs_drive([after], timeout=90, log_path=log_path)
    jobs_assert_exactly_once([after])


def test_an_assembly_that_fills_the_disk_fails_with_disk_full_and_publishes_nothing(small_disk, tiny_shop, sent_tasks):
    from generation.assembly.assemble import render_job_assemble
    from generation.shot_runner import shot_run

    [job_id] = jobs_submit(tiny_shop, 1)
    for shot in RenderJob.objects.get(pk=job_id).shots.all():
        shot_run(shot_id=shot.pk)  # the shots fit; then the disk fills up before the assembly
    before = _files(small_disk)
    filler = small_disk.fill(leave=32 << 10)
    render_job_assemble(job_id=job_id)
    job = RenderJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("assembling the 1:1 rendition failed: disk full: no space left in "), job.error
    assert not job.renditions.exists()
    assert _files(small_disk) == before | {str(filler.relative_to(small_disk.path))}

"""The delivery pool on its own: same clip as in line, a failing job reports its own error, bounded, drains."""

import subprocess
import threading

import imageio_ffmpeg
import numpy as np
import pytest

from generation import delivery_encode as encode_module
from generation.delivery_encode import NVENC, X264, delivery_encode, encoder_pick
from generation.delivery_pool import DeliveryPool
from generation.engines.dit import delivery_torch, postprocess
from generation.engines.dit.delivery import DeliveryPlan
from tests.generation.delivery_jobs import moving_clip, sleep_then


def decoded(path, width, height) -> np.ndarray:
    """Every frame of a clip, decoded by ffmpeg to RGB: what a player would show."""
    raw = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def plan(width=96, height=160, count=18) -> DeliveryPlan:
    # 8 fps model frames -> 24 fps: two in three output frames are optical-flow in-betweens; then an upscale.
    return DeliveryPlan(native=moving_clip(7, 48, 80), src_fps=8, dst_fps=24, count=count, width=width, height=height)


class Recorder:
    def __init__(self):
        self.calls, self.event = [], threading.Event()

    def __call__(self, result, error):
        self.calls.append((result, error))
        self.event.set()


@pytest.fixture(scope="module")
def pool():
    pool = DeliveryPool(workers=1, max_in_flight=2)
    yield pool
    pool.shutdown()


def test_the_pool_writes_the_same_frames_as_the_delivery_in_line(pool, tmp_path):
    delivery_encode(plan(), str(tmp_path / "in-line.mp4"))
    done = Recorder()
    pool.submit(delivery_encode, plan(), str(tmp_path / "pooled.mp4"), on_done=done)
    assert pool.drain(timeout=60)
    ((result, error),) = done.calls
    assert error is None and result["delivery_encoder"] == X264 and result["delivery_device"] == "cpu"
    in_line, pooled = decoded(tmp_path / "in-line.mp4", 96, 160), decoded(tmp_path / "pooled.mp4", 96, 160)
    assert in_line.shape == (18, 160, 96, 3)
    assert np.array_equal(in_line, pooled)
    assert np.abs(np.diff(pooled.astype(int), axis=0)).mean() > 1  # it moves: the retime had work to do


def test_a_failing_job_reports_its_own_error_and_the_next_job_still_runs(pool, tmp_path):
    failed, succeeded = Recorder(), Recorder()
    pool.submit(delivery_encode, plan(width=95), str(tmp_path / "odd.mp4"), on_done=failed)
    pool.submit(delivery_encode, plan(), str(tmp_path / "good.mp4"), on_done=succeeded)
    assert pool.drain(timeout=60)
    ((_, error),) = failed.calls
    assert isinstance(error, ValueError) and "frame size must be even for yuv420p, got 95x160" in str(error)
    assert not (tmp_path / "odd.mp4").exists()  # no truncated clip that looks finished
    ((result, error),) = succeeded.calls
    assert error is None and decoded(tmp_path / "good.mp4", 96, 160).shape[0] == 18


def test_submit_waits_while_max_in_flight_jobs_are_unfinished_and_ticks_name_them():
    ticks = []
    pool = DeliveryPool(workers=1, max_in_flight=2, tick_seconds=0.2, on_tick=ticks.append)
    try:
        first, second, third = Recorder(), Recorder(), Recorder()
        pool.submit(sleep_then, 1.0, "a", on_done=first, key="shot-a")
        pool.submit(sleep_then, 0.0, "b", on_done=second, key="shot-b")
        assert pool.in_flight() == 2
        submitted = threading.Event()

        def third_submit():
            pool.submit(sleep_then, 0.0, "c", on_done=third, key="shot-c")
            submitted.set()

        threading.Thread(target=third_submit).start()
        assert not submitted.wait(0.5)  # both slots taken: the worker would not take a third shot yet
        assert submitted.wait(30) and first.event.is_set()  # a slot came free only when the first job finished
        assert pool.drain(timeout=30)
        assert [c[0] for c in first.calls + second.calls + third.calls] == ["a", "b", "c"]
        assert ["shot-a", "shot-b"] in ticks  # the unfinished jobs' keys, for their heartbeats
    finally:
        pool.shutdown()


def test_shutdown_finishes_every_job_before_it_returns_and_takes_no_more():
    pool = DeliveryPool(workers=2, max_in_flight=3)
    done = Recorder()
    for value in range(3):
        pool.submit(sleep_then, 0.3, value, on_done=done)
    assert pool.shutdown() is True
    assert sorted(result for result, error in done.calls) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(sleep_then, 0, 0, on_done=done)


def test_the_torch_upscale_matches_opencvs_within_a_few_grey_levels():
    clip = moving_clip(3, 96, 64)
    for width, height in ((300, 200), (200, 300)):  # close shapes: cover and crop; far apart: contained over a blur
        ours = delivery_torch.frames_fit(clip, width=width, height=height, device="cpu")
        opencv = postprocess.frames_fit(clip, width=width, height=height)
        difference = np.abs(ours.astype(int) - opencv.astype(int))
        assert ours.shape == opencv.shape == (3, height, width, 3)
        assert difference.mean() < 3, (width, height, difference.mean())


def test_the_encoder_is_nvenc_only_where_a_trial_encode_works(monkeypatch, caplog):
    assert isinstance(encode_module.nvenc_works(), bool)  # the real probe runs here, and does not raise
    monkeypatch.setattr(encode_module, "nvenc_works", lambda: True)
    assert encoder_pick("auto") == NVENC and encoder_pick(X264) == X264
    monkeypatch.setattr(encode_module, "nvenc_works", lambda: False)
    assert encoder_pick("auto") == X264
    assert encoder_pick(NVENC) == X264 and "does not work on this machine" in caplog.text
    with pytest.raises(ValueError, match="unknown shot clip encoder"):
        encoder_pick("x265")

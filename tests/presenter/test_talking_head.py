"""The CPU talking-head engine: streamed frames whose mouth follows the speech, with blinks and head motion."""

from pathlib import Path

import numpy as np
import pytest

from generation.engines.base import EngineError, FrameStream, ShotRequest
from generation.engines.talking_head import TalkingHeadEngine
from generation.presenter.animate import framed_avatar
from generation.presenter.face import avatar_face, face_landmarks, photo_load
from generation.presenter.speech import PhonemeTiming, Speech
from tests.presenter.mouth_metrics import (
    box_grow,
    changed_fraction,
    mouth_activity,
    mouth_box,
    outline_gradient,
)

PHOTOS = Path(__file__).resolve().parents[2] / "catalog" / "demo_photos"
PORTRAIT = PHOTOS / "astronaut-portrait-print.jpg"
WIDTH, HEIGHT, FPS, SECONDS = 144, 256, 25, 4
OFFSET = 0.5  # speech heard 0.5-1.5 s and 2.5-3.0 s into the shot, silence between
TALK = [(0.0, 1.0), (2.0, 2.5)]


def _speech() -> Speech:
    rate = 16000
    rng = np.random.default_rng(3)
    samples = np.zeros(int(2.6 * rate), np.float32)
    for start, end in TALK:
        a, b = int(start * rate), int(end * rate)
        times = np.arange(b - a) / rate
        samples[a:b] = 0.4 * np.sin(2 * np.pi * 180 * times) + 0.1 * rng.uniform(-1, 1, b - a)
    phonemes = (
        ("h", 0.0, 0.1),
        ("a", 0.1, 0.4),
        ("m", 0.4, 0.5),
        ("a:", 0.5, 0.8),
        ("O", 0.8, 1.0),
        ("_:", 1.0, 2.0),
        ("i:", 2.0, 2.2),
        ("a", 2.2, 2.5),
    )
    return Speech(
        samples=samples,
        sample_rate=rate,
        phonemes=tuple(PhonemeTiming(symbol, start, end) for symbol, start, end in phonemes),
    )


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> tuple[str, list]:
    speech = _speech()
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    speech.wav_write(path)
    return str(path), speech.timings_json()["phonemes"]


def _request(speech, **parameters) -> ShotRequest:
    path, phonemes = speech
    values = {"speech_wav": path, "speech_offset": OFFSET, "phonemes": phonemes, "framing": "chest", **parameters}
    return ShotRequest(
        width=WIDTH,
        height=HEIGHT,
        fps=FPS,
        num_frames=SECONDS * FPS,
        image_path=str(PORTRAIT),
        seed=11,
        parameters=values,
    )


@pytest.fixture(scope="module")
def shot(speech_wav):
    steps = []
    result = TalkingHeadEngine().generate(_request(speech_wav), on_step=lambda done, total: steps.append(done))
    assert isinstance(result.frames, FrameStream) and steps == []  # nothing is made before it is consumed
    frames = np.stack(list(result.frames))
    return result, frames, steps


@pytest.fixture(scope="module")
def rest_frame() -> np.ndarray:
    photo = photo_load(PORTRAIT)
    landmarks = face_landmarks(photo, avatar_face(photo))
    return framed_avatar(photo=photo, landmarks=landmarks, width=WIDTH, height=HEIGHT, framing="chest").image


def _frames_in(start: float, end: float) -> slice:
    return slice(int(np.ceil(start * FPS)), int(end * FPS))


def test_frames_stream_in_chunks_with_the_promised_shape(shot):
    result, frames, steps = shot
    assert result.frames.shape == (SECONDS * FPS, HEIGHT, WIDTH, 3) and frames.shape == result.frames.shape
    assert frames.dtype == np.uint8 and result.fps == FPS
    assert steps[-1] == SECONDS * FPS and len(steps) > 1 and steps == sorted(steps)
    metadata = result.metadata
    assert metadata["engine"] == "presenter-cpu" and metadata["framing"] == "chest"
    assert metadata["blinks"] >= 1
    assert 0.25 * FPS * 1.5 < metadata["speech_frames"] < FPS * 2.0  # about 1.5 s of talking


def test_the_same_seed_makes_the_same_frames(speech_wav, shot):
    again = TalkingHeadEngine().generate(_request(speech_wav)).frames
    first_chunk = next(iter(again))
    assert np.array_equal(first_chunk, shot[1][0])
    assert np.array_equal(np.stack(list(again))[30:40], shot[1][30:40])


def test_the_mouth_moves_while_speaking_and_rests_in_silence(shot, rest_frame):
    result, frames, _ = shot
    box = box_grow(result.metadata["mouth_box"], by=0.1, width=WIDTH, height=HEIGHT)
    activity = mouth_activity(frames, box, rest=rest_frame)
    speaking = activity[_frames_in(OFFSET + 0.15, OFFSET + 0.4)]  # the first "a"
    assert speaking.max() > 0.12
    assert activity[_frames_in(OFFSET + 2.0 + 0.1, OFFSET + 2.5)].max() > 0.05  # the second phrase
    for start, end in ((0.0, OFFSET), (OFFSET + 1.3, OFFSET + 2.0), (OFFSET + 2.8, SECONDS)):
        assert activity[_frames_in(start, end)].max() < 0.01, (start, end)
    # In the silences the whole mouth region is the rest photo, apart from the small head motion.
    still = changed_fraction(frames=frames[_frames_in(OFFSET + 1.3, OFFSET + 2.0)], rest=rest_frame, box=box)
    assert still.max() < 0.01


def test_the_lips_close_for_the_m(shot, rest_frame):
    result, frames, _ = shot
    box = box_grow(result.metadata["mouth_box"], by=0.1, width=WIDTH, height=HEIGHT)
    activity = mouth_activity(frames, box, rest=rest_frame)
    m = int((OFFSET + 0.48) * FPS)  # the end of the "m", between two open vowels
    assert activity[m] < 0.5 * activity[_frames_in(OFFSET + 0.15, OFFSET + 0.4)].max()


def test_the_eyes_blink(shot, rest_frame):
    result, frames, _ = shot
    changes = np.zeros(len(frames))
    for eye in result.metadata["eye_boxes"]:
        box = box_grow(eye, by=0.0, width=WIDTH, height=HEIGHT)
        changes += changed_fraction(frames=frames, rest=rest_frame, box=box, slack=1, margin=12)
    assert changes.max() > 0.1  # the lids cover the eyes at least once
    assert np.median(changes) < 0.02  # and are open most of the time


def test_far_from_the_face_the_frame_is_the_photo(shot, rest_frame):
    _, frames, _ = shot
    bottom = slice(int(0.8 * HEIGHT), HEIGHT)  # the suit, far below the head: the body does not move
    assert np.abs(frames[:, bottom].astype(np.int16) - rest_frame[bottom]).max() <= 1


def test_no_rectangle_is_pasted_around_the_mouth(shot, rest_frame):
    result, frames, _ = shot
    box = mouth_box(result.metadata)
    activity = mouth_activity(frames, box, rest=rest_frame)
    widest = frames[int(np.argmax(activity))]
    for by in (0.3, 0.6, 1.0):
        outline = box_grow(result.metadata["mouth_box"], by=by, width=WIDTH, height=HEIGHT)
        # The edges across the box's outline are the photo's own, not a new seam.
        assert outline_gradient(image=widest, box=outline) < outline_gradient(image=rest_frame, box=outline) + 4.0


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"speech_wav": ""}, "needs the speech"),
        ({"speech_wav": "/nonexistent/speech.wav"}, "does not exist"),
        ({"framing": "knees"}, "unknown framing 'knees'; valid framings: head, chest, wide"),
        ({"phonemes": [["a", "soon"]]}, "phonemes must be a list of"),
        ({"speech_offset": -1}, "speech_offset must be"),
        ({"face": [1, 2, 3]}, "face must be"),
    ],
)
def test_bad_parameters_say_what_to_change(speech_wav, parameters, message):
    with pytest.raises(EngineError, match=message):
        TalkingHeadEngine().generate(_request(speech_wav, **parameters))


def test_a_photo_without_a_face_fails_the_shot_with_the_avatar_message(speech_wav):
    request = _request(speech_wav)
    request = ShotRequest(**{**request.__dict__, "image_path": str(PHOTOS / "espresso-cup.jpg")})
    with pytest.raises(EngineError, match="No face found in the photo: upload a front-facing"):
        TalkingHeadEngine().generate(request)


@pytest.mark.parametrize("framing", ["head", "wide"])
def test_other_framings_and_a_given_face_box_make_frames(speech_wav, framing):
    result = TalkingHeadEngine().generate(_request(speech_wav, framing=framing, face=[177, 66, 95, 95]))
    chunk = next(iter(result.frames.__iter__()))
    assert chunk.shape == (HEIGHT, WIDTH, 3) and result.metadata["framing"] == framing
    x, y, w, h = result.metadata["face_box"]
    share = {"head": 0.45, "wide": 0.18}[framing]
    assert h == pytest.approx(share * HEIGHT, abs=2)


@pytest.fixture(scope="module")
def open_and_closed():
    """The head framing at 540x960 with the head held still: a rest frame and a wide-open "a"."""
    from generation.presenter.animate import AvatarAnimator

    photo = photo_load(PORTRAIT)
    framed = framed_avatar(
        photo=photo, landmarks=face_landmarks(photo, avatar_face(photo)), width=540, height=960, framing="head"
    )
    track = np.float32([[0.0, 0.0], [0.95, 0.1], [0.35, 0.85]])
    animator = AvatarAnimator(framed=framed, track=track, fps=FPS, seed=1)
    animator.motion[:], animator.closure[:] = 0.0, 0.0
    return animator, animator.frames(start=0, stop=len(track))


def _luma(pixels: np.ndarray) -> np.ndarray:
    return pixels.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])


def test_an_open_mouth_has_a_dark_inside_teeth_and_a_tongue(open_and_closed):
    animator, frames = open_and_closed
    (rows, cols), alpha, colour = animator.mouth_interior(openness=0.95, width=0.1)
    inside = alpha[..., 0] > 0.9
    luma, spread = _luma(colour), colour.max(axis=-1) - colour.min(axis=-1)
    dark, teeth = inside & (luma < 50), inside & (luma > 150) & (spread < 50)
    tongue = inside & (colour[..., 0] - colour[..., 1] > 25) & (luma > 45) & (luma < 140)
    assert dark.sum() > 0.3 * inside.sum() and teeth.sum() > 0.1 * inside.sum() and tongue.sum() > 0.03 * inside.sum()
    # The upper teeth hang from the upper lip, the lower ones rise from the lower lip (wide open only).
    teeth_rows = np.flatnonzero(teeth.any(axis=1))
    inside_rows = np.flatnonzero(inside.any(axis=1))
    middle = (inside_rows[0] + inside_rows[-1]) / 2
    assert (teeth_rows < middle).any() and (teeth_rows > middle).any()
    (_, _), small_alpha, small_colour = animator.mouth_interior(openness=0.35, width=0.85)
    small_inside = small_alpha[..., 0] > 0.9
    small_teeth = small_inside & (_luma(small_colour) > 150)
    assert small_teeth.any() and not (np.flatnonzero(small_teeth.any(axis=1)) > middle).any()  # no lower teeth yet
    # In the frame itself: new dark pixels and new bright, neutral (teeth) pixels where the rest frame had lips.
    rest, wide = frames[0][rows, cols], frames[1][rows, cols]
    drawn = inside & (np.abs(wide.astype(np.int16) - rest).max(axis=-1) > 25)
    wide_luma = _luma(wide)
    assert (drawn & (wide_luma < 50)).sum() > 0.3 * inside.sum()
    assert (drawn & (wide_luma > 150) & (_luma(rest) < 150)).sum() > 0.05 * inside.sum()


def test_a_closed_mouth_is_the_photo_untouched(open_and_closed):
    animator, frames = open_and_closed
    assert np.array_equal(frames[0], animator.framed.image)  # no cavity, no teeth, nothing drawn over the lips

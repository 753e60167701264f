"""TalkingHeadEngine ("presenter-cpu"): a digital presenter speaking, made on the CPU from one avatar photo.

The request's photo is the presenter; its parameters carry the speech (a WAV written by Speech.wav_write, the
phoneme timings of Speech.timings_json, where in the shot the speech starts) and the framing. The phonemes and
loudness become a mouth track (presenter.visemes); the animator (presenter.animate) turns photo and track into
frames, streamed in chunks so a long 1080x1920 shot never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from generation.presenter.animate import FRAMINGS, AvatarAnimator, framed_avatar
from generation.presenter.face import AvatarError, FaceBox, avatar_face, face_landmarks, photo_load
from generation.presenter.speech import PhonemeTiming, wav_read
from generation.presenter.visemes import mouth_track

from .base import EngineError, FrameStream, ProgressCallback, ShotRequest, ShotResult, request_size_check

CHUNK_FRAMES = 8  # 8 frames of 1080x1920 RGB are 50 MB: small enough to stream, big enough to batch


class TalkingHeadEngine:
    name = "presenter-cpu"

    def generate(self, request: ShotRequest, *, on_step: ProgressCallback | None = None) -> ShotResult:
        # 1. Check what was asked before any work.
        request_size_check(request)
        parameters = request.parameters
        framing = parameters.get("framing") or "chest"
        if framing not in FRAMINGS:
            raise EngineError(f"unknown framing {framing!r}; valid framings: {', '.join(FRAMINGS)}")
        offset = _number(parameters.get("speech_offset", 0.0), name="speech_offset")
        phonemes = _phonemes(parameters.get("phonemes") or ())
        samples, sample_rate = _speech_load(parameters.get("speech_wav"))

        # 2. The face: given by the caller (checked at upload), or found now.
        if not request.image_path:
            raise EngineError("the presenter engine needs the avatar photo: image_path is missing")
        try:
            photo = photo_load(request.image_path)
            face = _face(parameters.get("face"), photo)
        except AvatarError as exc:
            raise EngineError(str(exc)) from None
        landmarks = face_landmarks(photo, face)

        # 3. Mouth track, framing, precomputed animation.
        track = mouth_track(
            samples=samples,
            sample_rate=sample_rate,
            phonemes=phonemes,
            fps=request.fps,
            num_frames=request.num_frames,
            offset=offset,
        )
        framed = framed_avatar(
            photo=photo, landmarks=landmarks, width=request.width, height=request.height, framing=framing
        )
        animator = AvatarAnimator(framed=framed, track=track, fps=request.fps, seed=request.seed)

        # 4. Frames on demand, in chunks, reporting progress as they are made.
        total = request.num_frames

        def chunks() -> Iterator[np.ndarray]:
            for start in range(0, total, CHUNK_FRAMES):
                stop = min(start + CHUNK_FRAMES, total)
                yield animator.frames(start=start, stop=stop)
                if on_step is not None:
                    on_step(stop, total)  # may raise ShotCancelled: let it stop the shot

        metadata = {
            "engine": self.name,
            "framing": framing,
            "blinks": animator.blink_count,
            "speech_frames": animator.speech_frames,
            "mouth_box": animator.mouth_box.as_list(),
            "face_box": framed.landmarks.face.as_list(),
            "eye_boxes": [box.as_list() for box in animator.eye_boxes],
        }
        frames = FrameStream(count=total, height=request.height, width=request.width, chunks=chunks)
        return ShotResult(frames=frames, fps=request.fps, metadata=metadata)


def _number(value: object, *, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EngineError(f"{name} must be a number of seconds, got {value!r}") from None
    if not np.isfinite(number) or number < 0:
        raise EngineError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return number


def _phonemes(rows) -> tuple[PhonemeTiming, ...]:
    try:
        return tuple(PhonemeTiming(str(symbol), float(start), float(end)) for symbol, start, end in rows)
    except (TypeError, ValueError):
        raise EngineError(
            "phonemes must be a list of [symbol, start, end] rows as Speech.timings_json writes them"
        ) from None


def _speech_load(path: object) -> tuple[np.ndarray, int]:
    if not path:
        raise EngineError(
            "the presenter engine needs the speech: pass parameters['speech_wav'], the path of the "
            "WAV written by Speech.wav_write"
        )
    if not Path(str(path)).is_file():
        raise EngineError(f"the speech WAV {str(path)!r} does not exist: synthesise the speech again")
    try:
        return wav_read(str(path))
    except (ValueError, EOFError, OSError) as exc:
        raise EngineError(
            f"the speech WAV {str(path)!r} cannot be read ({exc}): write it with Speech.wav_write"
        ) from None


def _face(given: object, photo: np.ndarray) -> FaceBox:
    if given is None:
        return avatar_face(photo)
    try:
        face = FaceBox.from_sequence(given)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EngineError(f"face must be [x, y, width, height] in photo pixels, got {given!r}") from None
    height, width = photo.shape[:2]
    if face.x < 0 or face.y < 0 or face.right > width or face.bottom > height:
        raise EngineError(f"face {face.as_list()} lies outside the {width}x{height} avatar photo: detect it again")
    return face

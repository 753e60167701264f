"""A presenter shot's speech, made on the worker just before its engine runs: the script spoken by the
presenter's voice, written as a WAV beside the job's clips, its word and phoneme timings kept on the shot (the
assembly reads them for the voice track and the captions)."""

from __future__ import annotations

from generation.engines.base import EngineError, ShotRequest
from generation.models import Presenter, Shot
from generation.presenter.speech import VoiceSpec
from generation.presenter.tts import TtsError, speech_synthesize
from shop_video.media import media_file_writer, media_token_for, private_name, private_storage
from shop_video.scratch import scratch_path

TAIL_SECONDS = 0.2  # the least silence after the last word before the shot ends


def speech_file_name(shot: Shot) -> str:
    # Per scene, not per shot: every aspect ratio's host says the same words, and the assembly uses one track.
    token = media_token_for(kind="voice", key=f"{shot.job_id}:{shot.scene}")  # private, not countable
    return private_name(merchant=shot.job.merchant, kind="voices", extension="wav", token=token)


def presenter_shot_request(shot: Shot) -> tuple[ShotRequest, dict]:
    """The engine request for a presenter shot, and what to record on the shot about its speech."""
    parameters = dict(shot.parameters)
    presenter = Presenter.objects.filter(pk=parameters.get("presenter_id"), merchant_id=shot.job.merchant_id).first()
    if presenter is None or not presenter.avatar:
        raise EngineError("the presenter of this scene was deleted (or lost its photo); render the job again")
    voice = VoiceSpec(**parameters["voice"])
    try:
        speech = speech_synthesize(text=parameters["script"], voice=voice)
    except TtsError as exc:
        raise EngineError(f"the presenter's voice failed: {exc}") from None
    offset = float(parameters.get("speech_offset", 0.0))
    if offset + speech.duration + TAIL_SECONDS > shot.duration:
        raise EngineError(
            f"the script takes {speech.duration:.1f} s to say but the scene lasts {shot.duration:.1f} s; "
            "shorten the script or lengthen the scene"
        )
    name = speech_file_name(shot)
    with media_file_writer(name, storage=private_storage) as tmp_path:
        speech.wav_write(tmp_path)
    timings = speech.timings_json()
    timings["words"] = words_punctuated(parameters["script"], timings["words"])
    parameters.update(speech_wav=str(scratch_path(name, storage=private_storage)), phonemes=timings["phonemes"])
    request = ShotRequest(
        width=shot.width,
        height=shot.height,
        fps=shot.fps,
        num_frames=shot.num_frames,
        image_path=str(scratch_path(presenter.avatar)),
        prompt=shot.prompt,
        seed=shot.seed,
        camera="static",
        parameters=parameters,
    )
    metadata = {
        "speech": {
            "file": name,
            "offset": offset,
            "duration": round(speech.duration, 3),
            "words": timings["words"],
            "voice": speech.metadata,
        }
    }
    return request, metadata


_TRAILING = ".,!?;:…。、，！？；：»”’)\"'"


def words_punctuated(script: str, words: list) -> list:
    """The TTS's words as the script writes them: punctuation and symbols around them put back ("Mug" -> "Mug.",
    "35.00" -> "$35.00"), and pieces the voice says as two words but the script writes as one joined again
    ("A" + "3" -> "A3"), so captions read like the script and break at its sentence ends. A word not found in
    order is kept as the TTS gave it."""
    result: list[list] = []
    position = 0
    for text, start, end in words:
        found = script.find(text, position)
        if found < 0:
            result.append([text, start, end])
            continue
        left, right = found, found + len(text)
        while left > position and not script[left - 1].isspace():
            left -= 1
        while right < len(script) and script[right] in _TRAILING:
            right += 1
        if result and position > 0 and left == position and not script[position - 1].isspace():
            result[-1] = [result[-1][0] + script[left:right], result[-1][1], end]  # one written word, said as two
        else:
            result.append([script[left:right], start, end])
        position = right
    return result

"""The soundtrack mix: gain curves as numbers, then real WAV files mixed and measured tone by tone."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from generation.assembly.audio import AUDIO_FPS, VoiceCue, ducking_gain, fade_gain, soundtrack

MUSIC_HZ = 440
VOICE_HZ = 1000
# 50 ms holds whole cycles of both tones (22 and 50), so measuring one tone ignores the other exactly.
WINDOW = 0.05


def write_wav(path: Path, channels: list[np.ndarray], rate: int) -> str:
    """A 16-bit PCM WAV of the given channels (floats in [-1, 1])."""
    samples = np.round(np.stack(channels, axis=1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(len(channels))
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return str(path)


def tone(hz: float, seconds: float, amplitude: float, rate: int) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate)


def tone_level(samples: np.ndarray, hz: float, at: float, seconds: float = WINDOW) -> float:
    """Amplitude of the hz component of a mono signal over [at, at + seconds) (a lock-in measurement)."""
    first = round(at * AUDIO_FPS)
    window = samples[first : first + round(seconds * AUDIO_FPS)]
    t = np.arange(len(window)) / AUDIO_FPS
    return float(2 * abs(np.mean(window * np.exp(-2j * np.pi * hz * t))))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples))))


# --- gain curves ------------------------------------------------------------------------------------


def test_ducking_gain_is_one_without_voices():
    t = np.linspace(0, 5, 11)
    assert np.array_equal(ducking_gain(t, []), np.ones_like(t))


def test_ducking_gain_ducks_during_voice_and_ramps_either_side():
    t = np.array([0.0, 0.7, 0.8, 0.9, 1.0, 1.5, 2.0, 2.1, 2.2, 3.0])
    gain = ducking_gain(t, [(1.0, 2.0)], duck=0.2, ramp=0.2)
    np.testing.assert_allclose(gain, [1.0, 1.0, 1.0, 0.6, 0.2, 0.2, 0.2, 0.6, 1.0, 1.0], atol=1e-12)


def test_ducking_gain_merges_overlapping_and_touching_voices():
    t = np.array([1.5, 2.0, 2.5, 3.0, 3.5])
    for intervals in ([(1.0, 2.5), (2.0, 3.5)], [(2.0, 3.5), (1.0, 2.0)], [(1.0, 2.0), (2.0, 3.5)]):
        np.testing.assert_allclose(ducking_gain(t, intervals, duck=0.25), 0.25)


def test_ducking_gain_stays_down_between_close_voices():
    # 0.2 s apart with 0.2 s ramps: half way between, the music is half way up, not back to full.
    gain = ducking_gain(np.array([2.1]), [(1.0, 2.0), (2.2, 3.0)], duck=0.0, ramp=0.2)
    np.testing.assert_allclose(gain, [0.5])


def test_ducking_gain_keeps_the_shape_of_t_and_allows_a_hard_switch():
    t = np.array([[0.5, 1.0], [1.5, 2.5]])
    gain = ducking_gain(t, [(1.0, 2.0)], duck=0.3, ramp=0.0)
    assert gain.shape == (2, 2)
    np.testing.assert_allclose(gain, [[1.0, 0.3], [0.3, 1.0]])


@pytest.mark.parametrize("kwargs", [{"duck": 1.5}, {"duck": -0.1}, {"ramp": -1.0}])
def test_ducking_gain_refuses_bad_settings(kwargs):
    with pytest.raises(ValueError):
        ducking_gain(np.zeros(3), [(0.0, 1.0)], **kwargs)


def test_ducking_gain_refuses_a_backwards_interval():
    with pytest.raises(ValueError, match="end after it starts"):
        ducking_gain(np.zeros(3), [(2.0, 1.0)])


def test_fade_gain():
    t = np.array([-0.1, 0.0, 0.25, 0.5, 2.0, 3.5, 4.0, 4.5])
    gain = fade_gain(t, 4.0, fade_in=0.5, fade_out=1.0)
    np.testing.assert_allclose(gain, [0.0, 0.0, 0.5, 1.0, 1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(fade_gain(t[1:-1], 4.0, fade_in=0, fade_out=0), 1.0)
    with pytest.raises(ValueError):
        fade_gain(t, 4.0, fade_in=-1, fade_out=0)


# --- the mix, rendered ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wavs(tmp_path_factory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("audio")
    rate = 22050  # not the output rate: decoding resamples
    return {
        "music": write_wav(directory / "music.wav", [tone(MUSIC_HZ, 3.0, 0.4, rate)], rate),
        "short_music": write_wav(directory / "jingle.wav", [tone(MUSIC_HZ, 1.0, 0.4, rate)], rate),
        "voice": write_wav(directory / "voice.wav", [tone(VOICE_HZ, 1.0, 0.5, rate)], rate),
        "stereo_music": write_wav(
            directory / "stereo.wav", [tone(MUSIC_HZ, 2.0, 0.4, rate), tone(VOICE_HZ, 2.0, 0.2, rate)], rate
        ),
    }


@pytest.fixture(scope="module")
def ducked_mix(wavs) -> np.ndarray:
    """4 s: music (0.8 volume, 0.5 s fade in, 1 s fade out) under a voice from 1.0 s to 2.0 s."""
    clip = soundtrack(duration=4.0, music_path=wavs["music"], voices=(VoiceCue(wavs["voice"], 1.0),))
    assert clip.duration == 4.0 and clip.fps == AUDIO_FPS and clip.nchannels == 2
    return clip.to_soundarray(fps=AUDIO_FPS)


def test_mix_is_stereo_and_exactly_the_duration(ducked_mix):
    assert ducked_mix.shape == (4 * AUDIO_FPS, 2)
    np.testing.assert_array_equal(ducked_mix[:, 0], ducked_mix[:, 1])  # mono sources on both sides


def test_music_ducks_under_the_voice(ducked_mix):
    left = ducked_mix[:, 0]
    under_voice = [tone_level(left, MUSIC_HZ, at) for at in (1.25, 1.5, 1.75)]
    in_the_clear = [tone_level(left, MUSIC_HZ, at) for at in (0.6, 2.4, 2.7)]
    assert max(under_voice) < 0.4 * min(in_the_clear)
    assert in_the_clear == pytest.approx([0.8 * 0.4] * 3, rel=0.02)  # music_volume x the file's level
    assert under_voice == pytest.approx([0.25 * 0.8 * 0.4] * 3, rel=0.02)


def test_voice_plays_at_full_level_only_in_its_slot(ducked_mix):
    left = ducked_mix[:, 0]
    assert [tone_level(left, VOICE_HZ, at) for at in (1.0, 1.5, 1.95)] == pytest.approx([0.5] * 3, rel=0.02)
    assert tone_level(left, VOICE_HZ, 0.6) < 0.005
    assert tone_level(left, VOICE_HZ, 2.05) < 0.005


def test_music_fades_in_and_out(ducked_mix):
    first, last = ducked_mix[: round(WINDOW * AUDIO_FPS)], ducked_mix[-round(WINDOW * AUDIO_FPS) :]
    assert rms(first) < 0.02
    assert rms(last) < 0.02
    assert abs(ducked_mix[0]).max() < 1e-3 and abs(ducked_mix[-1]).max() < 1e-3


def test_short_music_loops_to_fill_the_duration(wavs):
    clip = soundtrack(duration=3.5, music_path=wavs["short_music"], fade_in=0, fade_out=0)
    left = clip.to_soundarray(fps=AUDIO_FPS)[:, 0]
    assert len(left) == round(3.5 * AUDIO_FPS)
    # Every 50 ms, loop seams included, carries the whole tone: no gap, no silence after the first pass.
    levels = [tone_level(left, MUSIC_HZ, k * WINDOW) for k in range(int(3.5 / WINDOW))]
    assert min(levels) > 0.9 * 0.8 * 0.4
    # The loop repeats the file sample for sample.
    np.testing.assert_allclose(left[AUDIO_FPS : 2 * AUDIO_FPS], left[:AUDIO_FPS], atol=1e-6)


def test_long_music_is_cut_and_stereo_music_keeps_its_sides(wavs):
    clip = soundtrack(duration=1.5, music_path=wavs["stereo_music"], music_volume=1.0, fade_in=0, fade_out=0)
    sound = clip.to_soundarray(fps=AUDIO_FPS)
    assert sound.shape == (round(1.5 * AUDIO_FPS), 2)
    assert tone_level(sound[:, 0], MUSIC_HZ, 0.6) == pytest.approx(0.4, rel=0.02)
    assert tone_level(sound[:, 0], VOICE_HZ, 0.6) < 0.005
    assert tone_level(sound[:, 1], VOICE_HZ, 0.6) == pytest.approx(0.2, rel=0.02)


def test_no_music_and_no_voice_is_silent_stereo():
    clip = soundtrack(duration=1.5, music_path=None)
    sound = clip.to_soundarray(fps=AUDIO_FPS)
    assert sound.shape == (round(1.5 * AUDIO_FPS), 2)
    assert not sound.any()
    assert clip.get_frame(0.5).shape == (2,)  # moviepy also asks for single samples


def test_voice_without_music(wavs):
    sound = soundtrack(duration=2.0, music_path=None, voices=(VoiceCue(wavs["voice"], 0.5),)).to_soundarray(
        fps=AUDIO_FPS
    )
    assert tone_level(sound[:, 1], VOICE_HZ, 1.0) == pytest.approx(0.5, rel=0.02)
    assert not sound[: round(0.5 * AUDIO_FPS) - 1].any()


def test_loud_voice_over_music_is_clipped_not_wrapped(tmp_path, wavs):
    loud = write_wav(tmp_path / "loud.wav", [np.full(4410, 0.95)], 44100)
    sound = soundtrack(
        duration=1.0, music_path=wavs["music"], voices=(VoiceCue(loud, 0.5),), fade_in=0, fade_out=0
    ).to_soundarray(fps=AUDIO_FPS)
    assert sound.max() <= 1.0 and sound.min() >= -1.0


def test_bad_inputs_say_what_is_wrong(tmp_path, wavs):
    with pytest.raises(FileNotFoundError, match="nothing.wav"):
        soundtrack(duration=1.0, music_path=str(tmp_path / "nothing.wav"))
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("not a recording")
    with pytest.raises(ValueError, match="cannot read audio"):
        soundtrack(duration=1.0, music_path=str(not_audio))
    with pytest.raises(ValueError, match="after the"):
        soundtrack(duration=1.0, music_path=None, voices=(VoiceCue(wavs["voice"], 1.0),))
    with pytest.raises(ValueError, match="duration"):
        soundtrack(duration=0.0, music_path=None)
    with pytest.raises(ValueError, match="voice start"):
        VoiceCue(wavs["voice"], -1.0)

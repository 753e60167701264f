"""Sound by default (issue 15.5): the built-in library's pieces (length, ending, beats), the cache, the loudness
meter and normalisation, transition effects and the voice-over, checked on the samples and on encoded videos."""

from __future__ import annotations

import wave

import av
import numpy as np
import pytest

from generation.assembly.audio import AUDIO_FPS, VoiceCue, soundtrack
from generation.assembly.loudness import (
    PEAK_CEILING_DBTP,
    integrated_loudness,
    loudness_encoded,
    loudness_measure,
    loudness_normalised,
    true_peak,
)
from generation.assembly.render import render_timeline
from generation.assembly.timeline import (
    Music,
    Segment,
    SoundEffect,
    Timeline,
    TitleCard,
    Transition,
    VoiceOver,
)
from generation.music import library
from generation.music.composer import MOODS, QUIET_END_SECONDS, piece_beats, piece_compose
from generation.music.effects import sound_effects_for
from generation.music.synth import RATE
from shop_video.media import media_local_path

W, H, FPS = 64, 114, 10


def write_wav(path, samples: np.ndarray) -> str:
    """(2, n) or (n,) float samples as a 16-bit WAV at 44.1 kHz."""
    samples = np.atleast_2d(samples)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[0])
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples.T, -1, 1) * 32767).astype("<i2").tobytes())
    return str(path)


def decoded(path) -> np.ndarray:
    """The first audio stream of a file as (channels, n) float at its own rate (44.1 kHz here)."""
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray() for frame in container.decode(audio=0)], axis=1).astype(float)


def rms_db(samples: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(np.square(samples))) + 1e-12)


def cards(duration: float, count: int, transition: Transition | None = None) -> tuple[Segment, ...]:
    transition = transition or Transition()
    return tuple(
        Segment(TitleCard(title=f"Card {index}"), duration, transition if index else Transition())
        for index in range(count)
    )


# --- the pieces -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mood", sorted(MOODS))
def test_a_piece_has_the_exact_length_and_ends_on_a_decaying_tonic(mood):
    duration = 7.3
    piece = piece_compose(mood=mood, tempo=MOODS[mood].tempo, duration=duration)
    assert piece.samples.shape == (2, round(duration * RATE)), "the length asked for, to the sample"
    mono = piece.samples.mean(axis=0).astype(float)
    assert rms_db(mono) > -30, "not silent"
    assert np.abs(piece.samples[:, -round(QUIET_END_SECONDS * RATE) :]).max() < 1e-3, "the last 50 ms are quiet"
    # The ring-out after the final hit decays: each quarter of it quieter than the one before.
    hit = round(piece.end_hit * RATE)
    quarters = np.array_split(mono[hit:], 4)
    levels = [rms_db(quarter) for quarter in quarters]
    assert all(later < earlier for earlier, later in zip(levels, levels[1:])), levels
    # The final chord is the tonic: the strongest pitch class right after the hit is the key's.
    ring = mono[hit + round(0.05 * RATE) : hit + round(0.6 * RATE)]
    spectrum = np.abs(np.fft.rfft(ring * np.hanning(len(ring))))
    freqs = np.fft.rfftfreq(len(ring), 1 / RATE)
    audible = (freqs > 60) & (freqs < 1500)
    pitch_class = np.round(12 * np.log2(freqs[audible] / 440) + 69).astype(int) % 12
    chroma = np.bincount(pitch_class, weights=spectrum[audible] ** 2, minlength=12)
    assert int(np.argmax(chroma)) == MOODS[mood].tonic % 12, f"the ending's chroma {np.round(chroma / chroma.max(), 2)}"


def onset_strength(mono: np.ndarray, hop: int = 256, window: int = 1024) -> np.ndarray:
    """Spectral flux (log magnitude rises summed over frequency) per hop, the usual onset detector."""
    frames = np.lib.stride_tricks.sliding_window_view(mono, window)[::hop] * np.hanning(window)
    spectrum = np.log1p(100 * np.abs(np.fft.rfft(frames, axis=1)))
    return np.maximum(np.diff(spectrum, axis=0), 0).sum(axis=1)


@pytest.mark.parametrize(
    ("mood", "tempo", "duration"),
    [("upbeat", 112, 15.0), ("calm", 76, 6.0), ("energetic", 126, 30.0), ("elegant", 88, 12.0)],
)
def test_the_beats_are_regular_at_the_tempo_and_the_music_plays_on_them(mood, tempo, duration):
    beats = piece_beats(tempo=tempo, duration=duration)
    beat = 60 / tempo
    assert beats[0] == 0 and np.allclose(np.diff(beats), beat, atol=1e-5)
    assert duration - beats[-1] >= 1.2, "the last beat is the final hit, with time to ring out after it"
    piece = piece_compose(mood=mood, tempo=tempo, duration=duration)
    assert piece.beats == beats and piece.end_hit == pytest.approx(beats[-1], abs=1e-5)
    hop = 256
    flux = onset_strength(piece.samples.mean(axis=0).astype(float), hop)
    times = (np.arange(len(flux)) + 1) * hop / RATE + 512 / RATE  # the centre of each frame's second window
    playing = (times > 2 * beat) & (times < piece.end_hit - 0.1)
    flux, times = flux[playing], times[playing]
    # The tempo heard: the autocorrelation of the onsets peaks at the beat (or half or twice it).
    centred = flux - flux.mean()
    correlation = np.correlate(centred, centred, "full")[len(centred) - 1 :]
    lags = np.arange(len(correlation)) * hop / RATE
    window = (lags > 0.25) & (lags < 1.6)
    period = lags[window][np.argmax(correlation[window])]
    assert min(abs(period / beat - ratio) for ratio in (0.5, 1, 2)) < 0.04, f"heard a {period:.3f} s period"
    # The onsets fall on the beat grid (beats and their halves), not between: folded over the beat in 16 bins.
    bins = np.round(times / beat % 1 * 16).astype(int) % 16
    profile = np.bincount(bins, weights=flux, minlength=16) / np.bincount(bins, minlength=16)
    assert profile[0] >= 0.6 * profile.max(), np.round(profile / profile.max(), 2)
    assert profile[[0, 8]].mean() > 2 * profile[[2, 6, 10, 14]].mean(), np.round(profile / profile.max(), 2)


def test_pieces_are_cached_per_mood_tempo_and_length(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    first = library.music_piece_path(mood="calm", tempo=80, duration=3.0)
    assert first.is_file() and first.parent == tmp_path / "music-cache"
    monkeypatch.setattr(library, "piece_compose", lambda **kw: pytest.fail("composed again instead of cached"))
    assert library.music_piece_path(mood="calm", tempo=80, duration=3.0) == first
    with wave.open(str(first)) as piece:
        assert (piece.getnframes(), piece.getnchannels(), piece.getframerate()) == (3 * RATE, 2, RATE)
    assert library.music_mood("calm") == "calm" and library.music_mood(None) == "upbeat"


# --- loudness -------------------------------------------------------------------------------------------


def test_the_numpy_meter_agrees_with_ffmpegs_and_normalisation_hits_the_target(tmp_path):
    piece = piece_compose(mood="upbeat", tempo=112, duration=8.0).samples.astype(float) * 0.5
    path = write_wav(tmp_path / "piece.wav", piece)
    reference = loudness_measure(path)
    assert integrated_loudness(piece, RATE) == pytest.approx(reference.integrated_lufs, abs=0.5)
    assert 20 * np.log10(true_peak(piece, RATE).max()) == pytest.approx(reference.true_peak_dbtp, abs=0.5)
    normalised = loudness_normalised(piece * 3.0, RATE)  # far too loud first: the limiter has work to do
    measured = loudness_measure(write_wav(tmp_path / "normalised.wav", normalised))
    assert measured.integrated_lufs == pytest.approx(-14.0, abs=0.5)
    assert measured.true_peak_dbtp <= PEAK_CEILING_DBTP + 0.3


def test_the_encoded_soundtrack_is_measured_and_limited_again_until_its_true_peak_holds(tmp_path):
    """AAC's overshoot varies with the mix, so the encoded file itself is checked: a limit the first encode misses
    (here stricter than the encoder's overshoot alone would need) makes it limit and encode again, loudness kept."""
    piece = loudness_normalised(piece_compose(mood="upbeat", tempo=112, duration=8.0).samples.astype(float), RATE)
    path = tmp_path / "soundtrack.m4a"
    first = loudness_encoded(piece, RATE, path)
    assert first.true_peak_dbtp <= -1.0 and first.integrated_lufs == pytest.approx(-14.0, abs=1.0)
    assert first.true_peak_dbtp > -4.0  # so the stricter limit below does have work to do
    returned = loudness_encoded(piece, RATE, path, limit_dbtp=-4.0)
    assert returned == loudness_measure(path)  # what it reports is the file that is left
    assert returned.true_peak_dbtp <= -4.0 and returned.integrated_lufs == pytest.approx(-14.0, abs=1.0)


def test_silence_measures_as_silence_and_stays_silent(tmp_path):
    silence = np.zeros((2, 3 * RATE))
    assert loudness_measure(write_wav(tmp_path / "silence.wav", silence)).integrated_lufs <= -70
    assert not np.any(loudness_normalised(silence, RATE))


def test_a_video_without_uploaded_music_plays_the_library_at_minus_14_lufs(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    segments = cards(2.0, 3, Transition("push", 0.4))
    timeline = Timeline(
        width=W, height=H, fps=FPS, segments=segments, music=Music("", mood="upbeat", tempo=112, fade_in=0, fade_out=0)
    )
    timeline = Timeline(**{**timeline.__dict__, "sound_effects": sound_effects_for(timeline)})
    out = tmp_path / "video.mp4"
    render_timeline(timeline, out, preset="ultrafast")
    loudness = loudness_measure(out)
    assert loudness.integrated_lufs == pytest.approx(-14.0, abs=1.0)
    assert loudness.true_peak_dbtp <= -1.0
    audio = decoded(out)
    assert audio.shape[1] / AUDIO_FPS == pytest.approx(timeline.duration, abs=0.05)
    assert np.abs(audio[:, -round(0.03 * AUDIO_FPS) :]).max() < 0.01, "the piece has ended when the video does"


def test_a_merchants_quiet_upload_is_normalised_the_same_way(tmp_path):
    t = np.arange(4 * RATE) / RATE
    quiet = 0.02 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 2 * t))
    timeline = Timeline(
        width=W,
        height=H,
        fps=FPS,
        segments=cards(2.0, 2),
        music=Music(write_wav(tmp_path / "upload.wav", quiet), fade_in=0.1, fade_out=0.1),
    )
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast")
    loudness = loudness_measure(tmp_path / "video.mp4")
    assert loudness.integrated_lufs == pytest.approx(-14.0, abs=1.0) and loudness.true_peak_dbtp <= -1.0


# --- effects and voice-over ------------------------------------------------------------------------------


def test_whooshes_sit_on_moving_transitions_and_a_pop_on_the_badge():
    segments = (
        Segment(TitleCard("A"), 2.0),
        Segment(TitleCard("B"), 2.0, Transition("push", 0.4), badge="-20%"),
        Segment(TitleCard("C"), 2.0, Transition("crossfade", 0.4), badge="-20%"),
        Segment(TitleCard("D"), 2.0, Transition("wipe", 0.6)),
    )
    timeline = Timeline(width=W, height=H, fps=FPS, segments=segments)
    effects = sound_effects_for(timeline)
    starts = timeline.starts()
    whooshes = [effect for effect in effects if effect.kind == "whoosh"]
    assert [round(e.start + e.duration / 2, 3) for e in whooshes] == [
        round(starts[1] + 0.2, 3),
        round(starts[3] + 0.3, 3),
    ]
    assert [effect.kind for effect in effects if effect.kind == "pop"] == ["pop"], "one pop per run of badges"


def test_the_effects_are_heard_at_their_times(tmp_path):
    segments = cards(2.0, 2, Transition("push", 0.6))
    timeline = Timeline(width=W, height=H, fps=FPS, segments=segments)
    timeline = Timeline(**{**timeline.__dict__, "sound_effects": sound_effects_for(timeline)})
    render_timeline(timeline, tmp_path / "video.mp4", preset="ultrafast")
    mono = decoded(tmp_path / "video.mp4").mean(axis=0)
    middle = timeline.starts()[1] + 0.3
    around = mono[round((middle - 0.15) * AUDIO_FPS) : round((middle + 0.15) * AUDIO_FPS)]
    assert rms_db(around) > -30 and rms_db(mono[: round(1.0 * AUDIO_FPS)]) < -60, "a whoosh on the push, silence before"


def test_a_voice_over_is_heard_and_ducks_the_music(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    music = Music("", mood="calm", tempo=76, fade_in=0, fade_out=0)
    base = dict(width=W, height=H, fps=FPS, segments=cards(3.0, 2), music=music)
    render_timeline(Timeline(**base), tmp_path / "plain.mp4", preset="ultrafast")
    script = VoiceOver(script="Meet the travel mug. Hot for six hours.", start=1.0)
    render_timeline(Timeline(**base, voiceover=script), tmp_path / "voiced.mp4", preset="ultrafast")
    assert sorted(path.name for path in tmp_path.glob("*.mp4")) == ["plain.mp4", "voiced.mp4"]
    assert not list(tmp_path.glob(".*")), "the spoken WAV and partial files are cleaned up"
    plain, voiced = (decoded(tmp_path / name).mean(axis=0) for name in ("plain.mp4", "voiced.mp4"))
    n = min(len(plain), len(voiced))
    plain, voiced = plain[:n], voiced[:n]

    def music_gain(start, end):  # how much of the plain music is in the voiced mix (the voice does not correlate)
        a, b = round(start * AUDIO_FPS), round(end * AUDIO_FPS)
        return float(np.dot(voiced[a:b], plain[a:b]) / np.dot(plain[a:b], plain[a:b]))

    before, during = music_gain(0.1, 0.7), music_gain(1.6, 2.6)
    assert during < 0.5 * before, f"music at {during:.2f} under the voice, {before:.2f} before it"
    residual = voiced - np.interp(np.arange(n), [0, n], [before, before]) * plain
    assert (
        rms_db(residual[round(1.6 * AUDIO_FPS) : round(2.6 * AUDIO_FPS)]) > rms_db(plain[: round(0.7 * AUDIO_FPS)]) - 12
    )
    assert loudness_measure(tmp_path / "voiced.mp4").integrated_lufs == pytest.approx(-14.0, abs=1.0)


def test_the_mix_maths_are_unchanged_without_a_loudness_target(tmp_path):
    t = np.arange(RATE) / RATE
    path = write_wav(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 440 * t))
    clip = soundtrack(
        duration=1.0,
        music_path=path,
        voices=(VoiceCue(path, 0.5),),
        music_volume=0.5,
        fade_in=0,
        fade_out=0,
        effects=(),
        loudness_lufs=None,
    )
    samples = clip.get_frame(np.array([0.25, 0.75]))
    assert samples[:, 0] == pytest.approx(
        [
            0.25 * np.sin(2 * np.pi * 440 * 0.25),
            0.5 * 0.25 * np.sin(2 * np.pi * 440 * 0.75) + 0.5 * np.sin(2 * np.pi * 440 * 0.25),
        ],
        abs=0.01,
    )


def test_a_sound_effect_is_a_kind_or_a_file():
    with pytest.raises(ValueError, match="either a kind or a file"):
        SoundEffect(start=0.0)
    with pytest.raises(ValueError, match="unknown"):
        SoundEffect(start=0.0, kind="boom")


# --- which music a job gets ------------------------------------------------------------------------------

SPEC = {
    "fps": 30,
    "transition": {"type": "push", "duration": 0.4},
    "scenes": [
        {"type": "product_shots", "duration": 2.0, "max_shots": 2, "badge": True},
        {"type": "cta", "duration": 2.0, "text": "Shop now"},
    ],
}


def _timeline(merchant, spec):
    from generation.assembly.job_timeline import timeline_for_job
    from generation.models import Shot, VideoTemplate
    from generation.services.render_jobs import render_job_create

    VideoTemplate.objects.update_or_create(merchant=merchant, slug="mine", defaults={"name": "Mine", "spec": spec})
    job = render_job_create(merchant=merchant, template_slug="mine", sku="MUG-1", short_side=180)
    for shot in Shot.objects.filter(job=job):
        shot.file.name = f"renders/acme/{shot.position}.mp4"
        shot.save()
    return timeline_for_job(job, "9:16")


@pytest.mark.django_db
def test_every_template_has_music_without_an_upload_and_the_merchants_track_wins(merchant, sent_tasks):
    from django.core.files.base import ContentFile

    from shop_video.tenancy.brand_assets import CheckedAsset
    from shop_video.tenancy.services import brand_music_track_add
    from tests import factories

    factories.product_make(merchant=merchant, sku="MUG-1", photos=2, price="18.00")
    builtin = _timeline(merchant, SPEC).music
    assert (builtin.path, builtin.mood, builtin.tempo) == ("", "upbeat", MOODS["upbeat"].tempo), "the default mood"
    assert builtin.beats and np.allclose(np.diff(builtin.beats), 60 / builtin.tempo, atol=1e-5)
    chosen = _timeline(merchant, {**SPEC, "music": {"mood": "energetic", "tempo": 130}}).music
    assert (chosen.mood, chosen.tempo) == ("energetic", 130.0)
    timeline = _timeline(merchant, {**SPEC, "voiceover": {"script": "Meet {{ product.title }}.", "start": 0.2}})
    assert timeline.voiceover.script.startswith("Meet ") and "{{" not in timeline.voiceover.script
    assert [effect.kind for effect in timeline.sound_effects].count("whoosh") >= 1

    kit = merchant.brand_kits.get()
    spa = brand_music_track_add(kit=kit, name="spa", mood="calm", file=CheckedAsset(b"RIFF", name="spa.wav"))
    assert _timeline(merchant, {**SPEC, "music": {"mood": "calm"}}).music.path == str(media_local_path(spa.file))
    assert _timeline(merchant, {**SPEC, "music": {"mood": "warm"}}).music.mood == "warm", "no warm track: built-in"
    kit.music.save("default.wav", ContentFile(b"RIFF"))
    assert _timeline(merchant, {**SPEC, "music": {"mood": "warm"}}).music.path == str(media_local_path(kit.music))
    assert _timeline(merchant, {**SPEC, "music": False}).music is None


@pytest.mark.django_db
def test_a_voice_over_too_long_for_the_video_is_refused_before_any_shot(merchant, sent_tasks):
    from django.core.exceptions import ValidationError

    from tests import factories

    factories.product_make(merchant=merchant, sku="MUG-1", photos=1, price="18.00")
    long_script = "This mug keeps your coffee hot for six hours and your water cold for a whole day. " * 4
    with pytest.raises(ValidationError, match="the voice-over takes .* past the end of the .* video; shorten"):
        _timeline(merchant, {**SPEC, "voiceover": {"script": long_script}})
    with pytest.raises(ValidationError, match="the voice-over cannot be spoken: unknown text-to-speech engine"):
        _timeline(merchant, {**SPEC, "voiceover": {"script": "Hi", "engine": "nope"}})


def test_an_uploaded_tracks_beats_are_found(tmp_path):
    from generation.music.tempo import track_beats

    for mood, tempo in (("upbeat", 112), ("warm", 140), ("elegant", 95)):
        piece = piece_compose(mood=mood, tempo=tempo, duration=20.0).samples
        late = np.concatenate([np.zeros((2, round(0.3 * RATE))), piece], axis=1)  # its first beat at 0.3 s
        beats = track_beats(write_wav(tmp_path / f"{mood}.wav", late), 15.0)
        assert np.diff(beats).mean() == pytest.approx(60 / tempo, rel=0.01)
        assert min(abs(beats[0] - 0.3), abs(beats[0] - 0.3 - 60 / tempo)) < 0.02, beats[:3]
        assert beats[-1] < 15.0
    noise = np.random.default_rng(0).standard_normal((2, 12 * RATE)) * 0.1
    assert track_beats(write_wav(tmp_path / "noise.wav", noise), 10.0) == (), "no pulse, no beats"
    (tmp_path / "broken.wav").write_bytes(b"RIFF")
    assert track_beats(str(tmp_path / "broken.wav"), 10.0) == ()

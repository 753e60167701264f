"""PRESENTER_DIT_FOLLOW_VOICE on a tiny random-weight LTX-2 (CPU, float32): our WAV becomes audio latents that
LTX2DFRPipeline holds clean at every denoising step, and the shot still comes out at the requested size and length
with our WAV as its sound. Lip-sync quality needs real weights on a GPU (docs/presenters.md)."""

import json
from pathlib import Path

import numpy as np
import pytest

from generation.engines import presenter_dit
from generation.engines.base import EngineError
from generation.engines.dit import ltx2_audio
from generation.engines.presenter_dit import PresenterDitEngine
from generation.presenter.speech import Speech

from . import test_presenter_dit
from .test_presenter_dit import PipelineSpy, frames_of, shot

media = test_presenter_dit.media  # the same photos and voices, as this module's fixture


@pytest.fixture(scope="module")
def voice_model_dir(tmp_path_factory) -> Path:
    """The tiny LTX-2 with an audio VAE that compresses time and mel bins 4x like LTX-2's (ch_mult of three
    levels), which LTX2DFRPipeline's packing assumes; saved in the release layout like make_tiny_ltx2."""
    import torch
    from diffusers import AutoencoderKLLTX2Audio

    from generation.engines.dit.released_layouts import layout_apply
    from generation.engines.dit.tiny_ltx2 import PROFILE_FILE, build_tiny_ltx2

    pipeline, profile = build_tiny_ltx2()
    old = pipeline.audio_vae.config
    torch.manual_seed(0)
    pipeline.register_modules(
        audio_vae=AutoencoderKLLTX2Audio(
            base_channels=4,
            output_channels=old.output_channels,
            ch_mult=(1, 2, 4),
            num_res_blocks=1,
            attn_resolutions=None,
            in_channels=old.in_channels,
            resolution=32,
            latent_channels=old.latent_channels,
            norm_type="pixel",
            causality_axis="height",
            dropout=0.0,
            mid_block_add_attention=False,
            sample_rate=old.sample_rate,
            mel_hop_length=old.mel_hop_length,
            is_causal=True,
            mel_bins=old.mel_bins,
        )
    )
    directory = tmp_path_factory.mktemp("tiny-ltx2-voice")
    pipeline.save_pretrained(directory, safe_serialization=True)
    layout_apply(directory, "Lightricks/LTX-2", sentences=[], max_length=pipeline.tokenizer.model_max_length)
    (directory / PROFILE_FILE).write_text(json.dumps(profile, indent=2) + "\n")
    return directory


@pytest.fixture
def follow_voice(settings, voice_model_dir):
    presenter_dit.models_unload()
    settings.PRESENTER_DIT_MODEL = str(voice_model_dir)
    settings.PRESENTER_DIT_FOLLOW_VOICE = True
    yield
    presenter_dit.models_unload()


def held_audio(monkeypatch):
    """Records what voice_latents returned and the audio hidden states the transformer got at each step."""
    made, seen = [], []
    real = ltx2_audio.voice_latents
    monkeypatch.setattr(ltx2_audio, "voice_latents", lambda **kw: made.append(real(**kw)) or made[-1])
    transformer = presenter_dit.model_get().pipeline.transformer
    handle = transformer.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append(kwargs["audio_hidden_states"].detach().clone()), with_kwargs=True
    )
    return made, seen, handle


def test_our_voice_latents_are_held_at_every_step_and_the_shot_keeps_its_size_and_length(
    media, follow_voice, monkeypatch
):
    from diffusers import LTX2DFRPipeline

    made, seen, handle = held_audio(monkeypatch)
    try:
        result = PresenterDitEngine().generate(shot(media))
    finally:
        handle.remove()
    model = presenter_dit.model_get()
    frames = frames_of(result)
    assert frames.shape == (45, 128, 72, 3)
    assert result.metadata["lips"] == "voice" and result.metadata["audio"] == "tts"
    assert result.metadata["speech_seconds"] == pytest.approx(1.2)
    # Our latents: raw (1, channels, length, mel/4), as long as the pipeline's audio for the padded canvas.
    (latents,) = made
    vae = model.pipeline.audio_vae
    length = ltx2_audio.audio_frames(
        pipeline=model.pipeline, num_frames=result.metadata["generated_frames"], frame_rate=float(model.fps)
    )
    assert latents.shape == (1, vae.config.latent_channels, length, vae.config.mel_bins // 4)
    # What the transformer saw at each step is exactly those latents, packed and normalised, never noised.
    packed = LTX2DFRPipeline._normalize_audio_latents(
        LTX2DFRPipeline._pack_audio_latents(latents), vae.latents_mean, vae.latents_std
    )
    assert len(seen) == result.metadata["steps"] == model.steps
    for step in seen:
        assert torch_equal(step, packed)


def torch_equal(a, b) -> bool:
    import torch

    return a.shape == b.shape and bool(torch.equal(a.float(), b.float()))


def test_another_voice_gives_other_lips_and_the_setting_off_keeps_the_prompted_take(
    media, follow_voice, settings, monkeypatch
):
    one = frames_of(PresenterDitEngine().generate(shot(media)))
    two = frames_of(PresenterDitEngine().generate(shot(media, parameters={"speech_wav": media["voice2"]})))
    assert not np.array_equal(one, two)  # the video attends to the audio it is given
    settings.PRESENTER_DIT_FOLLOW_VOICE = False
    model = presenter_dit.model_get()
    spy = PipelineSpy(model.pipeline)
    monkeypatch.setattr(model, "pipeline", spy)
    off = PresenterDitEngine().generate(shot(media))
    assert off.metadata["lips"] == "prompt" and type(spy.pipeline).__name__ == "LTX2ImageToVideoPipeline"
    assert len(spy.calls) == 1 and "audio_latents" not in spy.calls[0]


def test_without_a_speech_track_the_prompted_take_is_used(media, follow_voice):
    result = PresenterDitEngine().generate(shot(media, parameters={"speech_wav": ""}))
    assert result.metadata["lips"] == "prompt" and len(frames_of(result)) == 45


def test_an_audio_vae_that_does_not_compress_like_ltx2_is_refused(media, settings, tiny_ltx2_dir):
    presenter_dit.models_unload()
    settings.PRESENTER_DIT_MODEL = str(tiny_ltx2_dir)  # the shared tiny: its audio VAE keeps the mel size
    settings.PRESENTER_DIT_FOLLOW_VOICE = True
    try:
        with pytest.raises(EngineError, match="cannot follow a voice, turn the setting off"):
            PresenterDitEngine().generate(shot(media))
    finally:
        presenter_dit.models_unload()


def test_the_mel_front_end_places_the_voice_at_its_offset_in_the_right_band(tmp_path):
    import torch

    rate, hop, bins = 16000, 160, 64
    t = np.arange(rate) / rate
    track = np.zeros(2 * rate, dtype=np.float32)
    track[rate:] = 0.5 * np.sin(2 * np.pi * 1000 * t)  # silence, then 1 kHz from 1 s
    mel = ltx2_audio.mel_spectrogram(
        waveform=torch.from_numpy(track)[None, None], sample_rate=rate, hop_length=hop, mel_bins=bins
    )
    assert mel.shape == (1, 1, 1 + len(track) // hop, bins)
    assert float(mel[0, 0, :90].max()) == pytest.approx(np.log(ltx2_audio.LOG_FLOOR))
    bank = ltx2_audio.mel_filterbank(sample_rate=rate, n_fft=ltx2_audio.N_FFT, mel_bins=bins)
    peak = int(mel[0, 0, 150].argmax())
    assert peak == int(bank[round(1000 / (rate / ltx2_audio.N_FFT))].argmax())
    # Resampling keeps the length in seconds and the pitch (24 kHz TTS to the VAE's 16 kHz).
    wav = tmp_path / "v.wav"
    Speech(
        samples=(0.3 * np.sin(2 * np.pi * 440 * np.arange(24000) / 24000)).astype(np.float32), sample_rate=24000
    ).wav_write(wav)
    from generation.presenter.speech import wav_read

    samples, source = wav_read(wav)
    out = ltx2_audio.samples_resample(samples=samples, rate=source, target=rate)
    assert abs(len(out) - rate) <= 32
    spectrum = np.abs(np.fft.rfft(out[: rate // 2 * 2]))
    assert abs(np.argmax(spectrum) * rate / len(out[: rate // 2 * 2]) - 440) < 5


def test_the_filterbank_is_slaney_normalised_and_the_sigmas_are_the_image_to_video_ones():
    from types import SimpleNamespace

    from diffusers import FlowMatchEulerDiscreteScheduler

    rate, n_fft = 16000, ltx2_audio.N_FFT
    bank = ltx2_audio.mel_filterbank(sample_rate=rate, n_fft=n_fft, mel_bins=64)
    assert bank.shape == (n_fft // 2 + 1, 64) and (bank >= 0).all()
    assert np.allclose(bank.sum(axis=0)[8:] * rate / n_fft, 1.0, atol=0.05)  # each band's area is 1 (Slaney)
    # LTX-2's scheduler shifts with the token count; the DFR copy must step exactly the shifted sigmas.
    scheduler = FlowMatchEulerDiscreteScheduler(
        use_dynamic_shifting=True,
        shift_terminal=0.1,
        time_shift_type="exponential",
        base_image_seq_len=1024,
        base_shift=0.95,
        max_shift=2.05,
    )
    pipeline = SimpleNamespace(scheduler=scheduler, vae_temporal_compression_ratio=8, vae_spatial_compression_ratio=32)
    sigmas = ltx2_audio.voice_sigmas(pipeline=pipeline, steps=30, num_frames=121, height=512, width=768)
    tokens = 16 * 16 * 24
    from diffusers.pipelines.ltx2.pipeline_ltx2_image2video import calculate_shift

    scheduler.set_timesteps(
        sigmas=list(np.linspace(1.0, 1 / 30, 30)), mu=calculate_shift(tokens, 1024, 4096, 0.95, 2.05)
    )
    assert np.allclose(sigmas, scheduler.sigmas[:-1].numpy())
    dfr = FlowMatchEulerDiscreteScheduler.from_config(
        scheduler.config, use_dynamic_shifting=False, shift=1.0, shift_terminal=None
    )
    dfr.set_timesteps(sigmas=sigmas)
    assert np.allclose(dfr.sigmas[:-1].numpy(), sigmas) and sigmas[-1] == pytest.approx(0.1, abs=1e-4)


def test_a_profile_sets_the_follow_voice_sigmas(media, follow_voice, settings, voice_model_dir, tmp_path):
    import shutil

    directory = Path(shutil.copytree(voice_model_dir, tmp_path / "ltx2"))
    profile = json.loads((directory / "shop_video.json").read_text())
    (directory / "shop_video.json").write_text(json.dumps({**profile, "follow_voice_sigmas": [1.0, 0.75, 0.4]}))
    presenter_dit.models_unload()
    settings.PRESENTER_DIT_MODEL = str(directory)
    steps = []
    result = PresenterDitEngine().generate(shot(media), on_step=lambda done, total: steps.append(done))
    assert result.metadata["lips"] == "voice" and len(frames_of(result)) == 45
    assert steps == [1, 2, 3] and result.metadata["steps"] == 3

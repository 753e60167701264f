"""The presenter that follows our voice (PRESENTER_DIT_FOLLOW_VOICE): our TTS WAV becomes LTX-2 audio latents, held
clean while the video is denoised, so the host's lips attend to the voice the viewer hears.

diffusers 0.42.1 has one LTX-2 pipeline that keeps audio latents clean through denoising: `LTX2DFRPipeline` with
`freeze_audio=True` (its `denoise` gives the audio stream timestep 0 and skips its Euler step, while the video
stream still cross-attends to it). It takes the photo as `LTX2VideoCondition(index=0)` like the image-to-video
pipeline, and is built here from the already loaded components (no second copy of the weights). Its differences
from LTX2ImageToVideoPipeline, which docs/presenters.md lists: one transformer call per step (no classifier-free
or STG guidance, so no negative prompt), `generate_slots=False` (keyframe slots need LTX-2.5 weights), and the
sigmas are passed in: the ones the image-to-video pipeline would use for the same steps and token count.

The front end, which diffusers lacks: 16-bit WAV -> our speech placed at its offset on a silent track as long as the
take -> resampled (PyAV's libswresample) to the audio VAE's sample rate -> stereo -> log-mel spectrogram as LTX-2
computes it for its audio VAE (Hann window of n_fft samples, hop = the VAE config's mel_hop_length, mel_bins Slaney
mel bands from 0 Hz to Nyquist, magnitude, natural log clamped at 1e-5; n_fft is not in the diffusers config:
1024 as in LTX-2's reference code, a shop_video.json "follow_voice_n_fft" overrides it) -> audio VAE encode (the
posterior's mode) -> (1, channels, length, mel_bins / 4) raw latents, length = the audio frames the DFR pipeline
gives its (padded) canvas.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from generation.engines.base import EngineError

N_FFT = 1024
LOG_FLOOR = 1e-5


def samples_resample(*, samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Mono float32 samples at `target` Hz (libswresample through PyAV, already a dependency for video)."""
    if rate == target:
        return samples.astype(np.float32)
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=target)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32)[None, :], format="flt", layout="mono"
    )
    frame.sample_rate = rate
    out = list(resampler.resample(frame)) + list(resampler.resample(None))
    return np.concatenate([f.to_ndarray().reshape(-1) for f in out]).astype(np.float32)


def _hz_to_mel(freq: np.ndarray) -> np.ndarray:  # Slaney: linear below 1 kHz, logarithmic above
    freq = np.asarray(freq, dtype=np.float64)
    mels = freq / (200.0 / 3)
    log_region = freq >= 1000.0
    return np.where(log_region, 15.0 + np.log(np.maximum(freq, 1e-10) / 1000.0) / (math.log(6.4) / 27), mels)


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    mels = np.asarray(mels, dtype=np.float64)
    return np.where(mels >= 15.0, 1000.0 * np.exp((math.log(6.4) / 27) * (mels - 15.0)), mels * (200.0 / 3))


def mel_filterbank(*, sample_rate: int, n_fft: int, mel_bins: int) -> np.ndarray:
    """(n_fft // 2 + 1, mel_bins) triangular Slaney-scale, Slaney-normalised filters from 0 Hz to Nyquist (the
    torchaudio MelSpectrogram(mel_scale="slaney", norm="slaney") LTX-2's reference front end uses)."""
    freqs = np.linspace(0, sample_rate // 2, n_fft // 2 + 1)
    points = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate / 2.0), mel_bins + 2))
    widths = np.diff(points)
    slopes = points[None, :] - freqs[:, None]
    down, up = -slopes[:, :-2] / widths[:-1], slopes[:, 2:] / widths[1:]
    bank = np.maximum(0.0, np.minimum(down, up))
    return (bank * (2.0 / (points[2:] - points[:-2]))[None, :]).astype(np.float32)


def mel_spectrogram(*, waveform, sample_rate: int, hop_length: int, mel_bins: int, n_fft: int = N_FFT):
    """(batch, channels, samples) float waveform -> (batch, channels, frames, mel_bins) log-mel, frames =
    1 + samples // hop (centred frames, reflect padding)."""
    import torch

    batch, channels, length = waveform.shape
    flat = waveform.reshape(batch * channels, length).float()
    spectrum = torch.stft(
        flat,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=n_fft,
        window=torch.hann_window(n_fft, device=flat.device),
        center=True,
        pad_mode="reflect",
        normalized=False,
        onesided=True,
        return_complex=True,
    ).abs()
    bank = torch.from_numpy(mel_filterbank(sample_rate=sample_rate, n_fft=n_fft, mel_bins=mel_bins)).to(flat.device)
    mel = torch.log(torch.clamp(torch.matmul(bank.T, spectrum), min=LOG_FLOOR))  # (B*C, mel_bins, frames)
    return mel.reshape(batch, channels, mel_bins, -1).permute(0, 1, 3, 2).contiguous()


def audio_frames(*, pipeline, num_frames: int, frame_rate: float) -> int:
    """The audio latent length LTX2DFRPipeline gives a take of `num_frames` (its canvas, padded to whole segments)."""
    from diffusers.pipelines.ltx2.dfr_layout import resolve_canvas

    canvas_frames, _, _ = resolve_canvas(num_frames, pipeline.vae_temporal_compression_ratio)
    per_second = (
        pipeline.audio_vae.config.sample_rate
        / pipeline.audio_vae.config.mel_hop_length
        / float(pipeline.audio_vae.temporal_compression_ratio)
    )
    return round(canvas_frames / frame_rate * per_second)


def voice_latents(
    *, pipeline, samples: np.ndarray, rate: int, offset: float, num_frames: int, frame_rate: float, n_fft: int = N_FFT
):
    """Our speech (mono float32 at `rate`, starting `offset` seconds into the take) as raw unpacked audio latents
    (1, channels, length, latent mel bins) for LTX2DFRPipeline(audio_latents=..., freeze_audio=True)."""
    import torch

    vae = pipeline.audio_vae
    config = vae.config
    length = audio_frames(pipeline=pipeline, num_frames=num_frames, frame_rate=frame_rate)
    target, hop = int(config.sample_rate), int(config.mel_hop_length)
    voice = samples_resample(samples=np.asarray(samples, dtype=np.float32), rate=rate, target=target)
    # The whole take's track: silence, the speech at its offset, silence; enough mel frames for `length` latents.
    track = np.zeros(length * vae.temporal_compression_ratio * hop, dtype=np.float32)
    start = min(max(0, round(offset * target)), len(track))
    piece = voice[: len(track) - start]
    track[start : start + len(piece)] = piece
    waveform = torch.from_numpy(track)[None, None].repeat(1, int(config.in_channels), 1)
    mel = mel_spectrogram(
        waveform=waveform, sample_rate=target, hop_length=hop, mel_bins=int(config.mel_bins), n_fft=n_fft
    )
    device = next(vae.parameters()).device
    with torch.no_grad():
        latents = vae.encode(mel.to(device=device, dtype=vae.dtype)).latent_dist.mode()
    expected = (int(config.latent_channels), int(config.mel_bins) // pipeline.audio_vae_mel_compression_ratio)
    if (latents.shape[1], latents.shape[3]) != expected or latents.shape[2] < length:
        # The pipeline packs channels x mel/4 for the transformer and counts time /4: a VAE that compresses
        # otherwise cannot feed it.
        raise EngineError(
            f"PRESENTER_DIT_FOLLOW_VOICE: the audio VAE encodes {tuple(mel.shape)} mel to "
            f"{tuple(latents.shape)} latents and LTX2DFRPipeline needs (1, {expected[0]}, >={length}, "
            f"{expected[1]}); these weights cannot follow a voice, turn the setting off"
        )
    return latents[:, :, :length].float()


def dfr_pipeline(pipeline):
    """LTX2DFRPipeline over the loaded image-to-video pipeline's modules (shared, not copied), with a scheduler
    copy that takes the sigmas it is given as they are (they are shifted already: `voice_sigmas`)."""
    import inspect

    from diffusers import FlowMatchEulerDiscreteScheduler, LTX2DFRPipeline

    accepted = set(inspect.signature(LTX2DFRPipeline.__init__).parameters) - {"self"}
    modules = {name: module for name, module in pipeline.components.items() if name in accepted}
    modules["scheduler"] = FlowMatchEulerDiscreteScheduler.from_config(
        pipeline.scheduler.config, use_dynamic_shifting=False, shift=1.0, shift_terminal=None
    )
    dfr = LTX2DFRPipeline(**modules)
    dfr.set_progress_bar_config(disable=True)
    return dfr


def voice_sigmas(*, pipeline, steps: int, num_frames: int, height: int, width: int) -> list[float]:
    """The sigmas LTX2ImageToVideoPipeline would step for this take (linear in 1..1/steps, shifted for its token
    count when its scheduler shifts dynamically), without the terminal 0 the DFR pipeline appends."""
    from diffusers.pipelines.ltx2.pipeline_ltx2_image2video import calculate_shift

    scheduler = copy.deepcopy(pipeline.scheduler)
    config = scheduler.config
    tokens = (
        ((num_frames - 1) // pipeline.vae_temporal_compression_ratio + 1)
        * (height // pipeline.vae_spatial_compression_ratio)
        * (width // pipeline.vae_spatial_compression_ratio)
    )
    mu = calculate_shift(
        tokens,
        config.get("base_image_seq_len", 1024),
        config.get("max_image_seq_len", 4096),
        config.get("base_shift", 0.95),
        config.get("max_shift", 2.05),
    )
    scheduler.set_timesteps(sigmas=list(np.linspace(1.0, 1 / steps, steps)), mu=mu)
    return [float(sigma) for sigma in scheduler.sigmas[:-1]]


def voice_take(
    *,
    pipeline,
    image,
    prompt: str,
    samples: np.ndarray,
    rate: int,
    offset: float,
    width: int,
    height: int,
    num_frames: int,
    frame_rate: float,
    steps: int,
    generator,
    max_sequence_length: int,
    callback,
    use_cross_timestep: bool = True,
    n_fft: int = N_FFT,
    sigmas: list[float] | None = None,
) -> tuple[Any, Any]:
    """One take that follows the voice: (the DFR pipeline's output, the audio latents it held)."""
    from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

    latents = voice_latents(
        pipeline=pipeline,
        samples=samples,
        rate=rate,
        offset=offset,
        num_frames=num_frames,
        frame_rate=frame_rate,
        n_fft=n_fft,
    )
    dfr = dfr_pipeline(pipeline)
    sigmas = sigmas or voice_sigmas(pipeline=pipeline, steps=steps, num_frames=num_frames, height=height, width=width)
    output = dfr(
        prompt=prompt,
        conditions=[LTX2VideoCondition(frames=image, index=0, strength=1.0)],
        height=height,
        width=width,
        num_frames=num_frames,
        frame_rate=frame_rate,
        audio_latents=latents.to(dfr.audio_vae.dtype),
        freeze_audio=True,
        generate_slots=False,
        sigmas=sigmas,
        use_cross_timestep=use_cross_timestep,
        generator=generator,
        output_type="pt",
        max_sequence_length=max_sequence_length,
        callback_on_step_end=callback,
        callback_on_step_end_tensor_inputs=["latents"],
    )
    return output, latents

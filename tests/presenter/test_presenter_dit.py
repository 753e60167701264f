"""The GPU presenter engine on a tiny random-weight LTX-2 pipeline built in code, saved and loaded from disk like
released weights. The real diffusers LTX2ImageToVideoPipeline runs on the CPU in a fraction of a second."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generation.engines import presenter_dit
from generation.engines.base import EngineError, ShotRequest
from generation.engines.presenter_dit import PresenterDitEngine, framing_crop
from generation.presenter.speech import Speech

PORTRAIT = str(Path(__file__).resolve().parents[2] / "catalog" / "demo_photos" / "astronaut-portrait-print.jpg")
FACE = [177, 66, 95, 95]


@pytest.fixture(autouse=True)
def presenter_model(settings, tiny_ltx2_dir):
    settings.PRESENTER_DIT_MODEL = str(tiny_ltx2_dir)
    return tiny_ltx2_dir


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("presenter-media")
    rng = np.random.default_rng(3)
    # A different "presenter": blue noise with a bright square where the face box is.
    with Image.open(PORTRAIT) as portrait:
        size = portrait.size
    other = np.clip(rng.normal(0, 20, (size[1], size[0], 3)) + (30, 60, 200), 0, 255).astype(np.uint8)
    x, y, w, h = FACE
    other[y : y + h, x : x + w] = (250, 230, 40)
    Image.fromarray(other).save(folder / "other.png")
    paths = {"other": str(folder / "other.png")}
    for name, pitch in {"voice": 180.0, "voice2": 90.0}.items():
        t = np.arange(int(1.2 * 16000)) / 16000
        samples = (0.3 * np.sin(2 * np.pi * pitch * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
        Speech(samples=samples, sample_rate=16000).wav_write(folder / f"{name}.wav")
        paths[name] = str(folder / f"{name}.wav")
    return paths


def shot(media, **overrides):
    parameters = {
        "script": "Hello, meet our new bag!",
        "speech_wav": media["voice"],
        "speech_offset": 0.2,
        "framing": "head",
        "face": FACE,
    }
    parameters.update(overrides.pop("parameters", {}))
    values = dict(width=72, height=128, fps=30, num_frames=45, image_path=PORTRAIT, seed=7, parameters=parameters)
    values.update(overrides)
    return ShotRequest(**values)


def frames_of(result) -> np.ndarray:
    return np.stack(list(result.frames))


class PipelineSpy:
    """Stands in for the loaded pipeline: records each call's arguments and forwards everything."""

    def __init__(self, pipeline):
        self.pipeline, self.calls, self.outputs = pipeline, [], []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        self.outputs.append(self.pipeline(**kwargs))
        return self.outputs[-1]

    def __getattr__(self, name):
        return getattr(self.pipeline, name)


@pytest.mark.parametrize(("width", "height", "generated"), [(72, 128, [160, 288]), (128, 72, [288, 160])])
def test_frames_are_exactly_the_requested_count_and_size_for_each_aspect_ratio(media, width, height, generated):
    result = PresenterDitEngine().generate(shot(media, width=width, height=height))
    frames = frames_of(result)
    assert frames.shape == (45, height, width, 3) and frames.dtype == np.uint8
    assert result.fps == 30
    meta = result.metadata
    assert meta["engine"] == "presenter" and meta["audio"] == "tts"
    assert meta["model"] == str(presenter_dit.model_get().path)
    assert meta["generated_size"] == generated
    assert meta["generated_fps"] == 8 and meta["generated_frames"] == 17  # 1.5 s at 8 fps -> 13 -> 8k+1


def test_the_same_seed_gives_the_same_shot_and_another_seed_another(media):
    first = frames_of(PresenterDitEngine().generate(shot(media)))
    again = frames_of(PresenterDitEngine().generate(shot(media)))
    other = frames_of(PresenterDitEngine().generate(shot(media, seed=8)))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_the_first_frame_comes_from_the_framed_photo(media, monkeypatch):
    """Image-to-video conditioning: the first frame is the framed photo as the model's video VAE reconstructs it
    (random weights reconstruct it in their own colours; the tiny VAE decodes causally, as LTX-2's first frame is
    its own latent frame), and another presenter's photo gives another first frame."""
    import torch

    model = presenter_dit.model_get()
    spy = PipelineSpy(model.pipeline)
    monkeypatch.setattr(model, "pipeline", spy)
    small = dict(width=64, height=64, fps=8, num_frames=9, parameters={"speech_wav": None})
    PresenterDitEngine().generate(shot(media, **small))
    PresenterDitEngine().generate(shot(media, **small, image_path=media["other"]))
    generated = (spy.calls[0]["width"], spy.calls[0]["height"])
    # The conditioning image is the face crop at the model's size, not the whole photo.
    with Image.open(PORTRAIT) as photo:
        crop = framing_crop(photo.size, tuple(FACE), framing="head", aspect=1.0)
        expected = photo.convert("RGB").crop(crop).resize(generated, Image.Resampling.LANCZOS)
    assert np.array_equal(np.asarray(spy.calls[0]["image"]), np.asarray(expected))

    pipeline = model.pipeline.pipeline

    def reconstruction(image):
        with torch.no_grad():
            pixels = pipeline.video_processor.preprocess(image, height=generated[1], width=generated[0]).unsqueeze(2)
            decoded = pipeline.vae.decode(pipeline.vae.encode(pixels).latent_dist.mode(), return_dict=False)[0]
        return ((decoded[0, :, 0] + 1) / 2).clamp(0, 1)

    first_frames = [output.frames[0][0] for output in spy.outputs]
    portrait, other = (reconstruction(call["image"]) for call in spy.calls)
    assert float(((first_frames[0] - portrait) ** 2).mean()) < 0.1 * float(((first_frames[1] - portrait) ** 2).mean())
    assert float(((first_frames[1] - other) ** 2).mean()) < float(((first_frames[0] - other) ** 2).mean())


def test_progress_is_reported_on_every_denoising_step(media):
    reports = []
    PresenterDitEngine().generate(shot(media), on_step=lambda done, total: reports.append((done, total)))
    assert reports == [(1, 2), (2, 2)]


def test_the_model_is_loaded_once_per_process(media):
    presenter_dit.models_unload()
    before = presenter_dit.model_loads()
    PresenterDitEngine().generate(shot(media))
    assert presenter_dit.model_loads() == before + 1
    PresenterDitEngine().generate(shot(media, seed=9))
    assert presenter_dit.model_loads() == before + 1


def test_an_empty_setting_says_what_to_set(media, settings):
    settings.PRESENTER_DIT_MODEL = ""
    with pytest.raises(EngineError, match="set PRESENTER_DIT_MODEL to a local LTX-2 diffusers directory.*presenters"):
        PresenterDitEngine().generate(shot(media))


def test_a_missing_directory_says_where_it_looked(media, settings, tmp_path):
    settings.PRESENTER_DIT_MODEL = str(tmp_path / "nowhere")
    with pytest.raises(EngineError, match=r"PRESENTER_DIT_MODEL=.*nowhere, but that directory does not exist"):
        PresenterDitEngine().generate(shot(media))


def test_the_script_is_prompted_as_dialogue_and_our_speech_track_is_kept(media, monkeypatch):
    """No LTX-2 image-to-video pipeline takes an input voice, so the script is the prompt and the job keeps our TTS
    track: the WAV is checked for fit but does not steer the frames, and the model's audio is dropped."""
    model = presenter_dit.model_get()
    spy = PipelineSpy(model.pipeline)
    monkeypatch.setattr(model, "pipeline", spy)
    one = PresenterDitEngine().generate(shot(media, parameters={"script": 'Say "hello" to the bag'}))
    two = PresenterDitEngine().generate(
        shot(media, parameters={"script": 'Say "hello" to the bag', "speech_wav": media["voice2"]})
    )
    prompt = spy.calls[0]["prompt"]
    assert "says: \"Say 'hello' to the bag\"" in prompt
    assert "audio_latents" not in spy.calls[0]
    assert np.array_equal(frames_of(one), frames_of(two))
    assert one.metadata["audio"] == "tts" and one.metadata["speech_seconds"] == pytest.approx(1.2)


def test_speech_that_does_not_fit_in_the_shot_is_refused(media):
    with pytest.raises(EngineError, match=r"speech \(1.20 s from 0.50 s\) does not fit in the 1.50 s shot"):
        PresenterDitEngine().generate(shot(media, parameters={"speech_offset": 0.5}))
    with pytest.raises(EngineError, match="does not exist"):
        PresenterDitEngine().generate(shot(media, parameters={"speech_wav": "/nowhere/voice.wav"}))


def test_a_shot_longer_than_one_take_is_refused_with_the_limit(media):
    with pytest.raises(EngineError, match=r"lasts 5.0 s and the model speaks at most 2.0 s in one take; split"):
        PresenterDitEngine().generate(shot(media, num_frames=150))


def test_a_script_over_the_prompt_length_is_refused(media):
    with pytest.raises(EngineError, match=r"tokens \(script included\) and the model reads at most 64"):
        PresenterDitEngine().generate(shot(media, parameters={"script": "hello " * 80}))


def test_bad_requests_say_what_to_change(media):
    with pytest.raises(EngineError, match="script"):
        PresenterDitEngine().generate(shot(media, parameters={"script": "  "}))
    with pytest.raises(EngineError, match="unknown framing 'feet'"):
        PresenterDitEngine().generate(shot(media, parameters={"framing": "feet"}))
    with pytest.raises(EngineError, match="face box .* is not inside"):
        PresenterDitEngine().generate(shot(media, parameters={"face": [600, 10, 95, 95]}))
    with pytest.raises(EngineError, match="photo .* does not exist"):
        PresenterDitEngine().generate(shot(media, image_path="/nowhere/face.jpg"))


@pytest.mark.parametrize("framing", ["head", "chest", "wide"])
@pytest.mark.parametrize("aspect", [9 / 16, 1.0, 16 / 9])
def test_framing_crops_keep_the_aspect_the_face_and_the_photo(framing, aspect):
    size, face = (400, 500), (177, 66, 95, 95)
    left, top, right, bottom = framing_crop(size, face, framing=framing, aspect=aspect)
    assert 0 <= left < right <= size[0] and 0 <= top < bottom <= size[1]
    assert (right - left) / (bottom - top) == pytest.approx(aspect, rel=0.02)
    assert left <= face[0] and right >= face[0] + face[2] and top <= face[1] and bottom >= face[1] + face[3]
    if framing == "head" and aspect <= 1.0:
        assert abs((left + right) / 2 - (face[0] + face[2] / 2)) <= 1  # centred on the face where the photo allows


def test_wider_framings_show_more_of_the_photo():
    size, face = (1000, 1400), (450, 300, 100, 100)
    heights = [
        framing_crop(size, face, framing=f, aspect=9 / 16)[3] - framing_crop(size, face, framing=f, aspect=9 / 16)[1]
        for f in ("head", "chest", "wide")
    ]
    assert heights[0] < heights[1] < heights[2]


@pytest.fixture
def fresh_presenter():
    """Nothing loaded before or after: the test changes how the model is loaded."""
    presenter_dit.models_unload()
    yield
    presenter_dit.models_unload()


def test_the_release_is_read_from_the_configs_and_its_settings_are_used(media, monkeypatch):
    # The tiny model's transformer has no cross-attention modulation: LTX-2.0, which 2.3's defaults would misrun.
    model = presenter_dit.model_get()
    spy = PipelineSpy(model.pipeline)
    monkeypatch.setattr(model, "pipeline", spy)
    result = PresenterDitEngine().generate(shot(media))
    call = spy.calls[0]
    assert result.metadata["release"] == "Lightricks/LTX-2 (LTX-2.0)"
    assert call["use_cross_timestep"] is False and call["spatio_temporal_guidance_blocks"] == [29]
    assert call["guidance_scale"] == 4.0 and call["stg_scale"] == 0.0


def test_a_profile_names_the_release_and_overrides_its_values(media, settings, tmp_path, fresh_presenter):
    import json
    import shutil

    model_dir = shutil.copytree(settings.PRESENTER_DIT_MODEL, tmp_path / "ltx2")
    profile = json.loads((model_dir / "shop_video.json").read_text())
    (model_dir / "shop_video.json").write_text(json.dumps({**profile, "release": "ltx-2.3", "stg_scale": 0.5}))
    settings.PRESENTER_DIT_MODEL = str(model_dir)
    model = presenter_dit.model_get()
    assert model.call_defaults["use_cross_timestep"] is True and model.call_defaults["stg_scale"] == 0.5
    assert model.call_defaults["spatio_temporal_guidance_blocks"] == [28]
    (model_dir / "shop_video.json").write_text(json.dumps({**profile, "release": "ltx-9"}))
    presenter_dit.models_unload()
    with pytest.raises(EngineError, match="release 'ltx-9'; the presenter knows ltx-2.0, ltx-2.3"):
        presenter_dit.model_get()


def test_the_first_block_cache_setting_does_not_stop_the_presenter(media, settings, fresh_presenter):
    # diffusers has no first-block-cache metadata for the LTX-2 block: the presenter never enables it.
    settings.DIT_CACHE_THRESHOLD = 0.1
    result = PresenterDitEngine().generate(shot(media))
    assert frames_of(result).shape == (45, 128, 72, 3)
    assert not presenter_dit.model_get().pipeline.transformer.is_cache_enabled


class OutOfMemoryOnce(PipelineSpy):
    def __call__(self, **kwargs):
        import torch

        if not self.calls:
            self.calls.append(kwargs)
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return super().__call__(**kwargs)


def test_out_of_memory_is_recovered_once_with_vae_tiling(media, monkeypatch, fresh_presenter):
    model = presenter_dit.model_get()
    assert not model.pipeline.vae.use_tiling
    spy = OutOfMemoryOnce(model.pipeline)
    monkeypatch.setattr(model, "pipeline", spy)
    result = PresenterDitEngine().generate(shot(media))
    assert frames_of(result).shape == (45, 128, 72, 3) and len(spy.calls) == 2
    assert "VAE tiling on" in result.metadata["oom_recoveries"] and spy.pipeline.vae.use_tiling


def test_the_presenter_and_the_dit_families_share_one_model_cache(media, dit_models):
    from generation.engines.dit import loading

    before = loading.model_loads()
    presenter_dit.model_get()
    loading.model_get("wan")
    assert loading.model_loads() == before + 2 and presenter_dit.model_loads() == before + 2
    assert {key for key in loading._loaded} == {"wan", f"presenter {presenter_dit.settings.PRESENTER_DIT_MODEL}"}


def test_a_slow_load_keeps_the_shot_alive_and_a_cancel_is_raised_after_it(
    media, monkeypatch, settings, fresh_presenter
):
    # The reaper re-sends a running shot without a heartbeat for SHOT_LEASE_SECONDS; loading 20+ GB takes minutes.
    import time

    from generation.engines.base import ShotCancelled

    settings.SHOT_LEASE_SECONDS = 5  # a heartbeat every second
    original = presenter_dit._model_load
    monkeypatch.setattr(presenter_dit, "_model_load", lambda path: time.sleep(2.5) or original(path))
    beats = []
    model = presenter_dit.model_get(on_step=lambda done, total: beats.append((done, total)))
    assert len(beats) >= 2 and set(beats) == {(0, 1)}

    def cancelled(done, total):
        raise ShotCancelled("the job was cancelled")

    presenter_dit.models_unload()
    with pytest.raises(ShotCancelled):
        presenter_dit.model_get(on_step=cancelled)
    loads = presenter_dit.model_loads()
    assert presenter_dit.model_get() is not model and presenter_dit.model_loads() == loads  # loaded and kept


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_a_white_and_black_photo_keeps_its_levels_in_each_dtype(
    media, settings, monkeypatch, fresh_presenter, tmp_path, dtype
):
    import torch

    settings.DIT_DTYPE = dtype
    model = presenter_dit.model_get()
    assert model.pipeline.transformer.dtype == getattr(torch, dtype)
    pixels = np.zeros((128, 72, 3), dtype=np.uint8)
    pixels[:, :36] = 255
    Image.fromarray(pixels).save(tmp_path / "white-black.png")
    original = model.pipeline.vae.decode

    def decode(*args, **kwargs):  # the real decode's shape and dtype; white left, black right, a moving ramp
        output = original(*args, **kwargs)
        sample = output[0] if isinstance(output, tuple) else output.sample
        width = sample.shape[-1]
        band = width * 2 // 5
        sample[..., :band] = 1.0
        sample[..., width - band :] = -1.0
        for index in range(sample.shape[2]):
            sample[:, :, index, :, band : width - band] = 0.1 * index - 0.3
        return output

    monkeypatch.setattr(model.pipeline.vae, "decode", decode)
    result = PresenterDitEngine().generate(
        shot(
            media,
            image_path=str(tmp_path / "white-black.png"),
            fps=8,
            num_frames=9,
            parameters={"speech_wav": None, "face": None},
        )
    )
    frames = frames_of(result)
    assert frames[:, 8:-8, 2:18].min() == 255 and frames[:, 8:-8, -18:-2].max() == 0

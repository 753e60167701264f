"""The DiT engine in bfloat16 as well as float32: what a GPU worker runs (DIT_DTYPE=auto is bfloat16 on CUDA).

bfloat16 matmuls are slow on a CPU, so the bfloat16 shots are one short shot per family at one step. The decode
is a test double that keeps the real decoder's output shape and dtype but paints a photo's pure white and pure
black beside a moving ramp, so the levels must survive the pipeline's post-processing in the VAE's dtype, the
uint8 conversion, the colour match to the photo and delivery.
"""

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from generation.engines.base import ShotRequest
from generation.engines.dit import loading
from generation.engines.dit.engine import DitEngine

pytestmark = pytest.mark.usefixtures("dit_models")
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


@pytest.fixture(scope="module")
def white_and_black_photos(tmp_path_factory):
    """Left half pure white, right half pure black; portrait (9:16) and the tiny CogVideoX's 3:2, so the photo
    fills the model's frame (a letterbox's dimmed background would shift the colour match's black)."""
    folder = tmp_path_factory.mktemp("dit-levels")
    paths = {}
    for name, (width, height) in {"portrait": (72, 128), "landscape": (72, 48)}.items():
        pixels = np.zeros((height, width, 3), dtype=np.uint8)
        pixels[:, : width // 2] = 255
        paths[name] = str(folder / f"white-black-{name}.png")
        Image.fromarray(pixels).save(paths[name])
    return paths


def paint_white_and_black(monkeypatch, vae):
    """The real decode (shape, dtype, device), then its content replaced: the left 2/5 +1 (white), the right 2/5 -1
    (black), a ramp moving frame by frame in the middle (the quality check wants motion)."""
    original = vae.decode

    def decode(*args, **kwargs):
        output = original(*args, **kwargs)
        sample = output[0] if isinstance(output, tuple) else output.sample
        _, _, frames, _, width = sample.shape
        third = width * 2 // 5
        sample[..., :third] = 1.0
        sample[..., width - third :] = -1.0
        for index in range(frames):
            ramp = torch.linspace(-0.5, 0.5, width - 2 * third) + 0.1 * index
            sample[:, :, index, :, third : width - third] = ramp.to(sample.dtype)
        return output

    monkeypatch.setattr(vae, "decode", decode)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("family", ["ltx", "wan", "cogvideox"])
def test_white_and_black_survive_in_each_dtype(family, dtype, settings, monkeypatch, white_and_black_photos):
    settings.DIT_DTYPE = dtype
    model = loading.model_get(family)
    assert model.dtype == DTYPES[dtype] and model.base.transformer.dtype == DTYPES[dtype]
    paint_white_and_black(monkeypatch, model.base.vae)
    # CogVideoX makes only its training size (3:2 here): ask for that shape, so delivery scales and never pads.
    shape = "landscape" if family == "cogvideox" else "portrait"
    height = 48 if family == "cogvideox" else 128
    request = ShotRequest(
        width=72,
        height=height,
        fps=8,
        num_frames=9,
        image_path=white_and_black_photos[shape],
        prompt="a white and black product",
        seed=3,
        camera="orbit",
        parameters={"family": family, "steps": 1},
    )
    result = DitEngine().generate(request)
    frames = np.stack(list(result.frames))
    assert frames.shape == (9, height, 72, 3)
    width = frames.shape[2]
    # Band interiors, away from the resize's edges; the generated frame is fitted (scaled) to 72 wide.
    white = frames[:, 8:-8, 2 : width // 4]
    black = frames[:, 8:-8, width - width // 4 : -2]
    assert white.min() == 255, "white came out as something else (bf16 1.0 * 255 + 0.5 wraps to 0)"
    assert black.max() == 0


def test_bfloat16_keeps_the_components_the_release_keeps_in_float32(settings):
    settings.DIT_DTYPE = "bfloat16"
    model = loading.model_get("wan")  # the tiny Wan 2.2 A14B layout: its example keeps the VAE in float32
    assert model.profile.release.startswith("Wan-AI/Wan2.2-I2V-A14B")
    assert model.base.vae.dtype == torch.float32
    assert model.base.transformer.dtype == torch.bfloat16 and model.base.transformer_2.dtype == torch.bfloat16
    assert model.base.text_encoder.dtype == torch.bfloat16


def test_derived_pipelines_keep_the_workers_dtype(settings):
    # diffusers 0.42's from_pipe casts every shared module to float32 unless it is given a dtype.
    settings.DIT_DTYPE = "bfloat16"
    model = loading.model_get("ltx")
    keyframe = model.pipeline("keyframe")
    for pipeline in (keyframe, model.base, model.pipeline("t2v")):
        assert pipeline.transformer.dtype == torch.bfloat16 and pipeline.vae.dtype == torch.bfloat16
        assert pipeline.text_encoder.dtype == torch.bfloat16


@pytest.fixture(scope="module")
def tiny_wan21_dir(tmp_path_factory):
    from generation.engines.dit.tiny import tiny_dit_save

    return tiny_dit_save(
        family="wan", out_dir=tmp_path_factory.mktemp("wan21") / "wan", release="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"
    )


def test_wan21_in_bfloat16_keeps_its_vae_and_image_encoder_in_float32_and_renders(
    tiny_wan21_dir, settings, monkeypatch, white_and_black_photos
):
    from generation.engines.base import EngineError
    from generation.engines.dit.released_layouts import RELEASED_LAYOUTS, layout_files

    assert layout_files(tiny_wan21_dir) == set(RELEASED_LAYOUTS["Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"]["files"])
    settings.DIT_MODELS = {**settings.DIT_MODELS, "wan": str(tiny_wan21_dir)}
    settings.DIT_DTYPE = "bfloat16"
    model = loading.model_get("wan")
    assert model.profile.release.startswith("Wan-AI/Wan2.1-I2V-14B")  # from its configs: no second expert
    assert model.base.vae.dtype == torch.float32 and model.base.image_encoder.dtype == torch.float32
    assert model.base.transformer.dtype == torch.bfloat16
    paint_white_and_black(monkeypatch, model.base.vae)
    request = ShotRequest(
        width=72,
        height=128,
        fps=8,
        num_frames=9,
        image_path=white_and_black_photos["portrait"],
        prompt="a white and black product",
        seed=3,
        camera="orbit",
        parameters={"family": "wan", "steps": 1},
    )
    frames = np.stack(list(DitEngine().generate(request).frames))
    assert frames[:, 8:-8, 2:18].min() == 255 and frames[:, 8:-8, -18:-2].max() == 0
    # Wan 2.1 I2V was trained on a first frame only: an end photo is refused, not passed as last_image.
    with pytest.raises(EngineError, match="was not trained for an end frame"):
        DitEngine().generate(dataclasses.replace(request, end_image_path=white_and_black_photos["portrait"]))

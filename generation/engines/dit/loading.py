"""DiT pipelines from local directories: offline, safetensors only, loaded once per worker process.

A GPU worker process holds one model per family it serves (normally one) and reuses it for every shot; the
load count is kept so tests and bench/dit_overhead can prove a warm worker never reloads.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

# Before diffusers/transformers import huggingface_hub: nothing on a worker may reach a model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import torch
from django.conf import settings

from generation.engines.base import EngineError
from generation.engines.dit.family import (
    Family,
    Geometry,
    Profile,
    family_module,
    geometry_with_profile,
    profile_pick,
)

logger = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
PROFILE_FILE = "shop_video.json"  # optional, beside model_index.json: fps, steps, max_pixels, max_frames
DOCS = "docs/models.md"

# The one per-process model cache: DiT families by name, the GPU presenter (presenter_dit.py) by its directory.
_loaded: dict[str, Any] = {}
_load_count = 0


@dataclass
class LoadedModel:
    family: Family
    module: ModuleType
    path: Path
    device: str
    dtype: torch.dtype
    geometry: Geometry
    fps: int
    steps: int
    max_sequence_length: int
    base: Any  # the image-to-video pipeline everything else shares
    profile: Profile | None = None  # the release's row of the family's PROFILES table
    component_dtypes: dict[str, torch.dtype] = field(default_factory=dict)  # those not in `dtype`
    offloaded: bool = False
    _derived: dict[str, Any] = field(default_factory=dict)

    def pipeline(self, role: str):
        """`i2v`, `t2v` or `keyframe`; the last two share the loaded components (diffusers' from_pipe)."""
        if role == "i2v":
            return self.base
        if role not in self._derived:
            class_name = {"t2v": self.family.t2v_pipeline, "keyframe": self.family.keyframe_pipeline}[role]
            if class_name is None:
                raise EngineError(f"the {self.family.name} family has no {role} pipeline")
            import diffusers

            # diffusers 0.42 casts every shared module to from_pipe's dtype, float32 unless told: pass ours, and
            # put back any component the profile keeps in another dtype (the modules are shared with the base).
            derived = getattr(diffusers, class_name).from_pipe(self.base, dtype=self.dtype)
            component_dtypes_apply(derived, self.component_dtypes)
            derived.set_progress_bar_config(disable=True)
            self._derived[role] = derived
        return self._derived[role]


def model_loads() -> int:
    """How many times this process loaded weights from disk."""
    return _load_count


def model_get(family_name: str, *, on_step=None) -> LoadedModel:
    return model_cached(family_name, lambda: _model_load(family_name), on_step=on_step)


def model_cached(key: str, load, *, on_step=None) -> Any:
    """The model cached under `key`, loaded (and counted) on first use, with the shot's heartbeat kept alive while
    it loads (`on_step`, the engine's progress callback). Memory recovery evicts the others."""
    global _load_count
    model = _loaded.get(key)
    if model is None:
        with heartbeat_while_loading(on_step):
            model = _loaded[key] = load()
            _load_count += 1
    return model


@contextmanager
def heartbeat_while_loading(on_step, *, every: float | None = None):
    """Call on_step(0, 1) from a helper thread while the calling thread reads weights (minutes for a 14B model):
    the reaper takes a running shot without a heartbeat for SHOT_LEASE_SECONDS as lost and sends it again. A
    cancel (on_step raising) is raised here once the load is done; the model stays cached for the next shot."""
    if on_step is None:
        yield
        return
    every = every if every is not None else min(30.0, max(1.0, settings.SHOT_LEASE_SECONDS / 5))
    stop, raised = threading.Event(), []

    def beat():
        from django.db import connection

        try:
            while not stop.wait(every):
                try:
                    on_step(0, 1)
                except Exception as exc:  # ShotCancelled, or the database: the load finishes, then it is raised
                    raised.append(exc)
                    return
        finally:
            connection.close()  # this thread's own database connection

    thread = threading.Thread(target=beat, name="load-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    if raised:
        raise raised[0]


def models_preload(family_names: list[str]) -> None:
    for name in family_names:
        model_get(name)


def models_unload() -> None:
    """Drop every loaded model (tests; and memory recovery evicts the families a shot does not need)."""
    _loaded.clear()
    _memory_free()


def model_directory_check(family: Family, path: Path | str | None) -> Path:
    """The directory named for a family, checked before anything is loaded. Errors say what to put where."""
    name = family.name
    if not path:
        raise EngineError(
            f"no weights for the {name} family on this worker: set DIT_MODELS={name}=/path/to/model, a local "
            f"diffusers directory (model_index.json + .safetensors weights); see {DOCS}, or try "
            f"`python manage.py make_tiny_dit --family {name} --out DIR` for a tiny test model"
        )
    path = Path(path)
    accepted = {c for c in (family.i2v_pipeline, family.t2v_pipeline, family.keyframe_pipeline) if c}
    return directory_check(
        path, where=f"DIT_MODELS names {name}={path}", accepted=accepted, needs=f"the {name} family needs"
    )


def directory_check(path: Path, *, where: str, accepted: set[str], needs: str, docs: str = DOCS) -> Path:
    """A local diffusers pipeline directory, checked before anything is loaded: it exists, holds no pickles, has a
    model_index.json naming one of the `accepted` pipeline classes, and .safetensors weights. `where` starts each
    message (which setting named the directory); `needs` says who needs the accepted classes."""
    if not path.is_dir():
        raise EngineError(
            f"{where}, but that directory does not exist on this worker; copy the released "
            f"diffusers-format weights there ({docs})"
        )
    pickles = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.suffix.lower() in PICKLE_SUFFIXES)
    if pickles:
        shown = ", ".join(pickles[:3]) + (f" and {len(pickles) - 3} more" if len(pickles) > 3 else "")
        raise EngineError(
            f"{where}: refused, it holds pickle weights ({shown}), which can run code when loaded; "
            f"keep only the .safetensors files (convert them as {DOCS} shows) and remove these"
        )
    index = path / "model_index.json"
    if not index.is_file():
        raise EngineError(
            f"{where}, but it has no model_index.json: it must be a diffusers pipeline directory "
            f"(the release's diffusers format, not a single checkpoint file); see {docs}"
        )
    if not any(path.rglob("*.safetensors")):
        raise EngineError(
            f"{where}, but it holds no .safetensors weights: copy the weight files into its "
            f"component folders (transformer/, vae/, text_encoder/); see {docs}"
        )
    try:
        class_name = json.loads(index.read_text()).get("_class_name")
    except (OSError, ValueError) as exc:
        raise EngineError(f"{where}, but its model_index.json cannot be read: {exc}") from None
    if class_name not in accepted:
        raise EngineError(
            f"{where}, but it holds a {class_name} pipeline; {needs} one of {', '.join(sorted(accepted))}"
        )
    return path


@dataclass
class PlacedPipeline:
    """A pipeline read from a checked directory and placed per DIT_DEVICE / DIT_DTYPE, with its profile."""

    pipeline: Any
    device: str
    dtype: torch.dtype
    profile: dict[str, Any]
    offloaded: bool
    component_dtypes: dict[str, torch.dtype] = field(default_factory=dict)


def pipeline_load(
    class_name: str, path: Path, *, what: str, float32_components: tuple[str, ...] = (), cache: bool = True
) -> PlacedPipeline:
    """Load a diffusers pipeline class from a directory already checked (`directory_check`): offline,
    safetensors only, on the worker's device and dtype (`float32_components` stay float32, as the releases' examples
    keep them), with the DIT_* speed options applied (`cache=False`: no first-block cache, for transformers
    diffusers has not registered for it). `what` names the model in errors ("the ltx weights"). Does not count
    loads: the caller keeps its own cache and count."""
    device = _device()
    dtype = _dtype(device)
    profile = _profile(path)  # settings and files are checked before gigabytes of weights are read
    component_dtypes = {
        name: torch.float32 for name in float32_components if (path / name).is_dir() and dtype != torch.float32
    }
    _attention_backend_check()
    import diffusers
    import transformers

    for library in (diffusers, transformers):  # worker logs get our one line per load, not progress bars
        library.utils.logging.set_verbosity_error()
        library.utils.logging.disable_progress_bar()
    try:
        pipeline = getattr(diffusers, class_name).from_pretrained(
            path,
            dtype={"default": dtype, **component_dtypes} if component_dtypes else dtype,
            local_files_only=True,
            use_safetensors=True,
        )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise EngineError(f"{what} in {path} could not be loaded: {exc}") from None
    pipeline.set_progress_bar_config(disable=True)
    offloaded = _place(pipeline, device)
    _speed_options_apply(pipeline, cache=cache)
    return PlacedPipeline(
        pipeline=pipeline,
        device=device,
        dtype=dtype,
        profile=profile,
        offloaded=offloaded,
        component_dtypes=component_dtypes,
    )


def component_dtypes_apply(pipeline, component_dtypes: dict[str, torch.dtype]) -> None:
    for name, dtype in component_dtypes.items():
        module = getattr(pipeline, name, None)
        if module is not None and module.dtype != dtype:
            module.to(dtype=dtype)


def model_configs(path: Path) -> dict[str, dict]:
    """model_index.json and each component's config.json, read before any weights (profiles are picked from
    them); a missing or unreadable config is an empty dict here and reported by from_pretrained."""
    configs = {}
    for name, file in [
        ("model_index", path / "model_index.json"),
        *((sub.name, sub / "config.json") for sub in sorted(path.iterdir()) if sub.is_dir()),
    ]:
        try:
            configs[name] = json.loads(file.read_text())
        except (OSError, ValueError):
            configs[name] = {}
    return configs


def cache_reset(pipeline) -> None:
    """Forget the first-block cache's residuals before a call. diffusers resets them only at the end of a completed
    call, so after a cancel, NaN or out-of-memory abort the next call would compare tensors of the old size."""
    for transformer in (getattr(pipeline, "transformer", None), getattr(pipeline, "transformer_2", None)):
        if getattr(transformer, "is_cache_enabled", False):
            transformer._reset_stateful_cache()  # what diffusers' maybe_free_model_hooks calls


def _model_load(family_name: str) -> LoadedModel:
    module = family_module(family_name)
    family: Family = module.FAMILY
    path = model_directory_check(family, settings.DIT_MODELS.get(family_name))
    release = profile_pick(module, model_configs(path), named=_profile(path).get("release"))
    placed = pipeline_load(
        family.i2v_pipeline, path, what=f"the {family_name} weights", float32_components=release.float32_components
    )
    pipeline, device, dtype, profile, offloaded = (
        placed.pipeline,
        placed.device,
        placed.dtype,
        placed.profile,
        placed.offloaded,
    )
    tokenizer_limit = getattr(pipeline.tokenizer, "model_max_length", 10**6)
    max_sequence_length = min(
        getattr(module, "max_sequence_length", lambda _: family.max_sequence_length)(pipeline),
        tokenizer_limit if tokenizer_limit < 10**6 else 10**6,
    )
    logger.info(
        "loaded the %s pipeline (%s) from %s on %s (%s) in process %s",
        family_name,
        release.release,
        path,
        device,
        dtype,
        os.getpid(),
    )
    return LoadedModel(
        family=family,
        module=module,
        path=path,
        device=device,
        dtype=dtype,
        geometry=geometry_with_profile(module.geometry(pipeline), profile),
        fps=int(profile.get("fps", release.fps)),
        steps=int(profile.get("steps", release.steps)),
        max_sequence_length=max_sequence_length,
        base=pipeline,
        profile=release,
        component_dtypes=placed.component_dtypes,
        offloaded=offloaded,
    )


def _profile(path: Path) -> dict[str, Any]:
    file = path / PROFILE_FILE
    if not file.is_file():
        return {}
    try:
        profile = json.loads(file.read_text())
    except ValueError as exc:
        raise EngineError(f"{file} is not valid JSON: {exc}") from None
    return profile if isinstance(profile, dict) else {}


def _device() -> str:
    device = settings.DIT_DEVICE
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise EngineError(f"DIT_DEVICE={device} but this worker sees no CUDA GPU; set DIT_DEVICE=auto or cpu")
    return device


def _dtype(device: str) -> torch.dtype:
    name = settings.DIT_DTYPE
    if name == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    dtypes = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}
    if name not in dtypes:
        raise EngineError(f"DIT_DTYPE={name!r}: use auto, {', '.join(dtypes)}")
    return dtypes[name]


def _attention_backend_check() -> None:
    name = settings.DIT_ATTENTION_BACKEND
    if not name:
        return
    from diffusers.models.attention_dispatch import AttentionBackendName

    known = [backend.value for backend in AttentionBackendName]
    if name not in known:
        raise EngineError(
            f"DIT_ATTENTION_BACKEND={name!r} is not a diffusers attention backend; use one of "
            f"{', '.join(known)} (or leave it empty for the default)"
        )


def _place(pipeline, device: str) -> bool:
    if settings.DIT_CPU_OFFLOAD and device.startswith("cuda"):
        pipeline.enable_model_cpu_offload(device=device)
        return True
    pipeline.to(device)
    return False


def _transformers(pipeline) -> list:
    # Wan 2.2 has two experts (high-noise and low-noise); options apply to both.
    return [m for m in (pipeline.transformer, getattr(pipeline, "transformer_2", None)) if m is not None]


def _speed_options_apply(pipeline, *, cache: bool = True) -> None:
    if settings.DIT_VAE_TILING:
        pipeline.vae.enable_tiling()
    for transformer in _transformers(pipeline):
        if settings.DIT_ATTENTION_BACKEND:
            try:
                transformer.set_attention_backend(settings.DIT_ATTENTION_BACKEND)
            except (ValueError, RuntimeError, ImportError) as exc:
                raise EngineError(
                    f"DIT_ATTENTION_BACKEND={settings.DIT_ATTENTION_BACKEND!r} cannot be used here: {exc}"
                ) from None
        if settings.DIT_CACHE_THRESHOLD > 0 and cache:
            from diffusers import FirstBlockCacheConfig

            transformer.enable_cache(FirstBlockCacheConfig(threshold=settings.DIT_CACHE_THRESHOLD))
        if settings.DIT_COMPILE:
            transformer.compile()  # in place: hooks, from_pipe and offload keep working on the same module


def memory_recover(model) -> list[str]:
    """After an out-of-memory error (called outside the except block, so its traceback no longer pins the
    activations): free caches, evict other models, and make the next try lighter. Says what it did. `model` is a
    LoadedModel or the presenter's (anything with `base`, `device` and `offloaded`)."""
    actions = []
    for name in [name for name, other in _loaded.items() if other is not model]:
        del _loaded[name]
        actions.append(f"evicted the {name} model")
    getattr(model, "_derived", {}).clear()
    _memory_free()
    actions.append("freed cached memory")
    if not getattr(model.base.vae, "use_tiling", False):
        model.base.vae.enable_tiling()
        actions.append("VAE tiling on")
    if model.device.startswith("cuda") and not model.offloaded:
        model.base.enable_model_cpu_offload(device=model.device)
        model.offloaded = True
        actions.append("CPU offload on")
    return actions


def _memory_free() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()

"""Renders through the real shot runner and assembly (tiny random DiT models on the CPU), every file read back with
the C2PA reader: a motion-only render is labelled as made without AI, a DiT-only one and a mixed one as AI-
generated, with the visible label drawn, the right assertions per part, the photos as ingredients, and the API and
the storefront embed saying so."""

import subprocess
from pathlib import Path

import c2pa
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from generation.assembly.compositor import Compositor
from generation.assembly.job_timeline import timeline_for_job
from generation.models import Shot, VideoTemplate
from generation.provenance.reading import manifest_read
from generation.provenance.sources import ALGORITHMIC, TRAINED
from generation.services.render_jobs import render_job_create
from generation.shot_runner import shot_run
from tests.generation.test_provenance import ARTIFACTS

pytestmark = pytest.mark.django_db

COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/composite"
COMPOSITE_WITH_TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


def _scene(engine: str) -> dict:
    return {"type": "product_shots", "duration": 1.0, "max_shots": 1, "engine": engine}


SPECS = {
    "motion-only": [_scene("motion"), _scene("motion")],
    "dit-only": [_scene("dit"), _scene("dit")],
    "mixed": [_scene("motion"), _scene("dit")],
}


def _render(merchant, kind: str):
    spec = {"fps": 12, "scenes": [*SPECS[kind], {"type": "title", "duration": 2.0}]}
    if kind == "mixed":  # the spoken disclosure too: said by the TTS at the end
        spec["ai_label"] = {"spoken": "always", "position": "top-left"}
    VideoTemplate.objects.update_or_create(merchant=merchant, slug=kind, defaults={"name": kind, "spec": spec})
    job = render_job_create(merchant=merchant, template_slug=kind, sku="MUG-1", aspect_ratios=["9:16"], short_side=96)
    for shot in Shot.objects.filter(job=job):
        shot_run(shot_id=shot.pk)
    from generation.assembly.assemble import render_job_assemble

    render_job_assemble(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job


def _first_frame(path) -> np.ndarray:
    raw = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-frames:v", "1"]
        + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return raw


def _label_pixels(job, rendition) -> tuple[np.ndarray, str]:
    """The frame's pixels where the label goes, and its corner (as the compositor placed it)."""
    from generation.assembly.ai_label import ai_label_box
    from generation.assembly.timeline import AiLabel

    timeline = timeline_for_job(job, rendition.aspect_ratio)
    label = timeline.ai_label or AiLabel()
    compositor = Compositor(timeline.__class__(**{**timeline.__dict__, "ai_label": label}))
    corner = compositor.ai_label_corner
    compositor.close()
    box = ai_label_box(label.text, (rendition.width, rendition.height), timeline.style, corner)
    frame = np.frombuffer(_first_frame(rendition.file.path), np.uint8).reshape(rendition.height, rendition.width, 3)
    Image.fromarray(frame).save(ARTIFACTS / f"render-{job.template.slug}-first-frame.png")
    return frame[box.top : box.bottom, box.left : box.right], corner


@pytest.mark.parametrize("kind", ["motion-only", "dit-only", "mixed"])
def test_every_output_carries_a_valid_manifest_that_says_which_parts_are_ai(
    kind, merchant, product_with_photos, builtin_templates, dit_models, sent_tasks, api
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    job = _render(merchant, kind)
    rendition = job.renditions.get()
    ai = kind != "motion-only"
    assert rendition.ai_generated is ai and rendition.provenance["ai_generated"] is ai
    shots = list(job.shots.order_by("position"))
    assert [shot.ai_generated for shot in shots] == [shot.engine == "dit" for shot in shots]

    for kind_of_file, path in (
        ("video", rendition.file.path),
        ("poster", rendition.poster.path),
        ("preview", rendition.preview.path),
    ):
        read = manifest_read(path)
        assert read["validation_state"] == "Valid" and not read["failures"], (kind_of_file, read)
        manifest = read["manifest"]
        assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
        actions = assertions["c2pa.actions.v2"]["actions"]
        assert actions[0]["action"] == "c2pa.created"
        assert actions[0]["digitalSourceType"] == (COMPOSITE_WITH_TRAINED if ai else COMPOSITE)
        shot_types = [a["digitalSourceType"] for a in actions if a.get("description", "").startswith("video:")]
        assert shot_types == [TRAINED if shot.engine == "dit" else ALGORITHMIC for shot in shots]
        # The product photos the shots started from are the ingredients, placed by an action that names them.
        photos = {shot.source_image_id for shot in shots}
        assert [i["relationship"] for i in manifest["ingredients"]] == ["componentOf"] * len(photos)
        assert sorted(i["title"] for i in manifest["ingredients"]) == sorted(f"product photo {p}" for p in photos)
        assert any(a["action"] == "c2pa.placed" for a in actions)
        ours = assertions["com.shop-video.provenance"]
        assert ours["ai_generated"] is ai and ours["content_id"] == rendition.provenance["content_id"]
        if ai:
            assert any(model.startswith("dit/ltx") for model in ours["models"])
        assert rendition.provenance["manifests"][kind_of_file]["valid"]

    # The MP4's manifest is also kept beside it (.c2pa): live rooms name it for the chunks they cut from the MP4.
    sidecar = Path(rendition.file.path).with_suffix(".c2pa").read_bytes()
    with open(rendition.file.path, "rb") as handle:
        assert c2pa.Reader("video/mp4", handle, sidecar).get_validation_state() == "Valid"
    timeline = timeline_for_job(job, rendition.aspect_ratio)
    assert (timeline.ai_disclosure is not None) is (kind == "mixed")
    if kind == "mixed":
        assert timeline.ai_disclosure.script == "This video was made with AI."

    # The visible label: a dark pill with white text on an AI rendition's first frame, nothing there otherwise.
    pixels, corner = _label_pixels(job, rendition)
    dark = (pixels.max(axis=2) < 90).mean()
    white = (pixels.min(axis=2) > 200).mean()
    if ai:
        assert dark > 0.4 and white > 0.05, (corner, dark, white)
    else:
        assert not (dark > 0.4 and white > 0.05)

    # The API and the storefront embed say it per rendition.
    output = api.get(f"/api/v1/renders/{job.pk}").json()["outputs"][0]
    assert output["ai_generated"] is ai and output["provenance"]["manifests"]["video"]["valid"]
    video = api.get("/api/v1/products/MUG-1/videos").json()["videos"][0]
    assert video["ai_generated"] is ai and video["provenance"]["content_id"] == rendition.provenance["content_id"]

"""Provenance without a render: the development chain, the certificate checks a worker runs at start, the
template's ai_label settings, the visible label's place and size, and signed files read back (and one altered after
signing refused)."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from cryptography import x509
from django.core.exceptions import ImproperlyConfigured, ValidationError
from PIL import Image

from generation.assembly.ai_label import ai_label_box, ai_label_corner, ai_label_layer, ai_label_text
from generation.assembly.timeline import AiLabel, Style, rendition_size, safe_area
from generation.provenance.certificates import signing_files_check
from generation.provenance.dev_certificate import dev_certificate_chain, dev_certificate_write
from generation.provenance.label_spec import ai_label_parse
from generation.provenance.reading import manifest_read, manifest_summary
from generation.provenance.signing import file_sign, implicit_label, mp4_metadata_write
from generation.provenance.sources import ALGORITHMIC, TRAINED, GeneratedPart, Provenance, SourcePhoto
from generation.provenance.worker_check import worker_signing_check

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


@pytest.fixture
def chain_files(tmp_path, settings):
    cert, key = tmp_path / "chain.pem", tmp_path / "signer.key"
    dev_certificate_write(cert_path=cert, key_path=key)
    settings.C2PA_SIGN_CERT, settings.C2PA_SIGN_KEY = cert, key
    return cert, key


def test_the_development_chain_is_a_ca_and_an_end_entity_signer_c2pa_accepts(chain_files):
    cert, key = chain_files
    signer, ca = x509.load_pem_x509_certificates(cert.read_bytes())
    assert signer.issuer == ca.subject and ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert not dev_certificate_write(cert_path=cert, key_path=key)  # a usable chain is kept


def test_a_missing_expired_or_mismatched_certificate_names_the_setting(chain_files, tmp_path, settings):
    settings.C2PA_SIGN_CERT = tmp_path / "nowhere.pem"
    with pytest.raises(
        ImproperlyConfigured, match=r"C2PA_SIGN_CERT: .*nowhere.pem does not exist.*c2pa_dev_certificate"
    ):
        signing_files_check()
    expired_chain, expired_key = dev_certificate_chain(
        now=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30), signer_days=10
    )
    (tmp_path / "old.pem").write_bytes(expired_chain)
    (tmp_path / "old.key").write_bytes(expired_key)
    settings.C2PA_SIGN_CERT, settings.C2PA_SIGN_KEY = tmp_path / "old.pem", tmp_path / "old.key"
    with pytest.raises(ImproperlyConfigured, match=r"C2PA_SIGN_CERT: the certificate .* expired on"):
        signing_files_check()
    settings.C2PA_SIGN_CERT = chain_files[0]
    with pytest.raises(ImproperlyConfigured, match="C2PA_SIGN_KEY: .* is not the private key of the certificate"):
        signing_files_check()


def test_a_worker_that_assembles_does_not_start_without_a_usable_certificate(settings, tmp_path):
    settings.C2PA_SIGN_CERT = tmp_path / "missing.pem"
    with pytest.raises(SystemExit, match="worker not started: C2PA_SIGN_CERT"):
        worker_signing_check(options={"queues": ["default", "render"]})
    worker_signing_check(options={"queues": "gpu.ltx"})  # a GPU worker publishes nothing: it needs no certificate


def test_the_real_worker_process_exits_at_start_naming_the_setting(tmp_path):
    env = {**os.environ, "C2PA_SIGN_CERT": str(tmp_path / "missing.pem")}
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "shop_video", "worker", "--queues", "render", "--pool", "solo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "worker not started: C2PA_SIGN_CERT" in done.stderr + done.stdout


def test_a_template_cannot_hide_the_ai_label():
    for hidden in ({"show": False}, {"show": "never"}, {"position": "none"}):
        with pytest.raises(ValidationError, match="the AI-generated label cannot be hidden"):
            ai_label_parse(hidden)
    with pytest.raises(ValidationError, match="ai_label.position must be one of auto, top-right"):
        ai_label_parse({"position": "middle"})
    with pytest.raises(ValidationError, match="ai_label.colour is not a setting"):
        ai_label_parse({"colour": "red"})
    parsed = ai_label_parse({"position": "bottom-left", "language": "de", "show": True})
    assert (parsed.position, parsed.language, parsed.show) == ("bottom-left", "de", "always")
    assert ai_label_parse({"spoken": False}).spoken == "never" and ai_label_parse(None).spoken == "auto"
    with pytest.raises(ValidationError, match="ai_label.spoken must be one of auto, always, never, got 'loud'"):
        ai_label_parse({"spoken": "loud"})
    assert (
        ai_label_text("de-AT") == "KI-generiert"
        and ai_label_text("zh") == "AI生成"
        and ai_label_text("xx") == "AI-generated"
    )


@pytest.mark.parametrize("aspect_ratio", ["9:16", "1:1", "16:9", "4:5"])
def test_the_label_is_legible_inside_the_safe_area_and_clear_of_the_product(aspect_ratio):
    size = rendition_size(aspect_ratio, 540)
    style = Style()
    label = AiLabel(text=ai_label_text("en"))
    product = (0.3, 0.3, 0.7, 0.7)
    corner = ai_label_corner(label, size, style, taken=("top-right",), product_boxes=(product,))
    assert corner == "top-left"  # the watermark has top-right
    layer = ai_label_layer(label, size, style, corner)
    safe = safe_area(*size)
    height, width = layer.image.shape[:2]
    assert (
        safe.left <= layer.x
        and layer.x + width <= safe.right
        and safe.top <= layer.y
        and layer.y + height <= safe.bottom
    )
    text = layer.text_boxes[0]
    assert text.height >= 0.05 * min(size) * 0.9  # about 5 % of the short side, readable on a phone
    assert width < size[0] * 0.45  # small: a pill in a corner
    # A product reaching into the top-left corner sends it to the next free corner.
    box = ai_label_box(label.text, size, style, "top-left")
    reaching = (box.left / size[0], box.top / size[1], 0.6, 0.6)
    assert ai_label_corner(label, size, style, taken=("top-right",), product_boxes=(reaching,)) == "bottom-left"
    if aspect_ratio == "16:9":  # a product reaching every corner: the corner that covers least of it
        assert ai_label_corner(label, size, style, product_boxes=((0.25, 0.1, 0.9, 0.95),)) == "top-left"
    frame = Image.new("RGB", size, (235, 225, 210))
    overlay = Image.fromarray(layer.image)
    frame.paste(overlay, (layer.x, layer.y), overlay)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    frame.save(ARTIFACTS / f"ai-label-{aspect_ratio.replace(':', 'x')}.png")
    # White text on the dark pill: the middle of the pill holds both.
    pixels = np.asarray(frame)[layer.y : layer.y + height, layer.x : layer.x + width]
    assert pixels.max() >= 240 and pixels.min() <= 80


def test_the_spoken_disclosure_is_on_for_an_ai_voice_and_ends_just_before_the_video(tmp_path):
    from types import SimpleNamespace

    from generation.assembly.job_timeline import _ai_disclosure
    from generation.provenance.disclosure import GAP_BEFORE_END, spoken_disclosure_write
    from generation.template_spec import template_spec_parse

    spec = template_spec_parse({"scenes": [{"type": "product_shots", "duration": 2.0}]}, fps=30)
    piper = SimpleNamespace(parameters={"voice": {"engine": "piper", "voice": "de_DE-thorsten"}}, ai_generated=True)
    espeak = SimpleNamespace(parameters={"voice": {"engine": "espeak", "language": "de"}}, ai_generated=False)
    dit = SimpleNamespace(parameters={}, ai_generated=True)
    disclosure = _ai_disclosure(spec, [piper], "de")
    assert disclosure.script == "Dieses Video wurde mit KI erstellt." and disclosure.voice["engine"] == "piper"
    assert _ai_disclosure(spec, [espeak, dit], "de") is None  # a formant voice is no AI voice; the label shows
    always = template_spec_parse({"scenes": spec_scenes(), "ai_label": {"spoken": "always"}}, fps=30)
    assert _ai_disclosure(always, [dit], "fr").script == "Cette vidéo a été créée avec l'IA."
    never = template_spec_parse({"scenes": spec_scenes(), "ai_label": {"spoken": "never"}}, fps=30)
    assert _ai_disclosure(never, [piper], "en") is None
    cue = spoken_disclosure_write(
        script="This video was made with AI.", voice={"engine": "espeak"}, path=tmp_path / "d.wav", duration=8.0
    )
    assert (tmp_path / "d.wav").stat().st_size > 1000 and 4.0 < cue.start < 8.0 - GAP_BEFORE_END
    with pytest.raises(ValueError, match="longer than the 0.5 s video"):
        spoken_disclosure_write(script="This video was made with AI.", voice={}, path=tmp_path / "e.wav", duration=0.5)


def spec_scenes() -> list:
    return [{"type": "product_shots", "duration": 2.0}]


def _media(tmp_path) -> dict[str, Path]:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    video = tmp_path / "clip.mp4"
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1"]
        + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(video)],
        check=True,
    )
    poster, preview = tmp_path / "poster.jpg", tmp_path / "preview.webp"
    subprocess.run([ffmpeg, "-v", "error", "-i", str(video), "-frames:v", "1", str(poster)], check=True)
    subprocess.run([ffmpeg, "-v", "error", "-i", str(video), "-frames:v", "3", "-loop", "0", str(preview)], check=True)
    return {"video": video, "poster": poster, "preview": preview}


def _provenance(photo: Path) -> Provenance:
    return Provenance(
        parts=(
            GeneratedPart(kind="video", description="scene 1, shot 1 (dit)", source_type=TRAINED, agent="dit/ltx tiny"),
            GeneratedPart(
                kind="video", description="scene 2, shot 2 (motion)", source_type=ALGORITHMIC, agent="motion"
            ),
        ),
        photos=(SourcePhoto(path=str(photo), title="product photo 1"),),
        models=("dit/ltx tiny",),
    )


def test_every_signed_file_reads_back_valid_and_an_altered_one_fails(chain_files, tmp_path):
    files = _media(tmp_path)
    provenance = _provenance(files["poster"])
    mp4_metadata_write(files["video"], implicit_label(provenance, content_id="urn:test:1"))
    for path in files.values():
        file_sign(path=path, provenance=provenance, content_id="urn:test:1", title=path.name)
    for kind, path in files.items():
        summary = manifest_summary(path)
        assert summary["valid"], (kind, summary)
        assert summary["validation_state"] == "Valid"  # our development CA is in no trust list: valid, not trusted
        assert summary["ai_generated"] and summary["content_id"] == "urn:test:1" and summary["ingredients"] == 1
        assert summary["digital_source_type"].endswith("compositeWithTrainedAlgorithmicMedia")
        assert summary["signer"] == "shop_video development signer"
    # The MP4's implicit label: plain tags, and the AIGC tag of China's standard.
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(files["video"]), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
    ).stdout
    assert "ai_generated=true" in probe and "content_id=urn:test:1" in probe and "ai_models=dit/ltx tiny" in probe
    aigc = json.loads(next(line for line in probe.splitlines() if line.startswith("AIGC=")).removeprefix("AIGC="))
    assert aigc["Label"] == "1" and aigc["ProduceID"] == "urn:test:1"
    # One byte of picture changed after signing: the reader refuses it.
    for kind in ("video", "poster"):
        data = bytearray(files[kind].read_bytes())
        data[len(data) - 64] ^= 0xFF
        altered = tmp_path / f"altered{files[kind].suffix}"
        altered.write_bytes(data)
        read = manifest_read(altered)
        assert read["validation_state"] == "Invalid" and read["failures"], (kind, read)
        assert not manifest_summary(altered)["valid"]


@pytest.mark.django_db
def test_saving_a_template_that_hides_the_label_is_a_400_with_the_reason(api):
    spec = {"scenes": [{"type": "product_shots", "duration": 2.0, "engine": "dit"}], "ai_label": {"show": False}}
    response = api.post("/api/v1/templates", {"slug": "quiet", "name": "Quiet", "spec": spec}, format="json")
    assert response.status_code == 400
    assert "the AI-generated label cannot be hidden" in str(response.json())
    spec["ai_label"] = {"position": "bottom-right", "language": "ja"}
    assert api.post("/api/v1/templates", {"slug": "ok", "name": "Ok", "spec": spec}, format="json").status_code == 201


@pytest.mark.django_db
def test_a_presenters_photo_is_an_ingredient_and_the_cpu_heads_espeak_voice_no_ai(
    merchant, product_with_photos, builtin_templates, presenter, sent_tasks
):
    from generation.provenance.sources import job_provenance
    from generation.services.render_jobs import render_job_create

    job = render_job_create(
        merchant=merchant, template_slug="presenter-spotlight", sku="MUG-1", aspect_ratios=["9:16"], short_side=96
    )
    provenance = job_provenance(job, aspect_ratio="9:16")
    assert f"presenter photo {presenter.pk}" in [photo.title for photo in provenance.photos]
    voices = [part for part in provenance.parts if part.kind == "voice"]
    assert voices and not any(part.ai_generated for part in voices) and not provenance.ai_generated

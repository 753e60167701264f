"""Publish time, on the worker that assembles: a rendition's files labelled and signed, then read back.

render_job_assemble calls these as each file is written (temporary names, renamed only when complete), so a
delivered file is always a signed one."""

from __future__ import annotations

import os

from django.conf import settings

from generation.provenance.reading import manifest_summary
from generation.provenance.signing import file_sign, implicit_label, mp4_metadata_write
from generation.provenance.sources import Provenance, job_provenance


def rendition_content_id(job, aspect_ratio: str) -> str:
    """Stable across retries: the same render and ratio is the same content."""
    return f"urn:{settings.C2PA_PRODUCER}:{job.merchant.slug}:render-{job.pk}:{aspect_ratio.replace(':', 'x')}"


def rendition_provenance(job, aspect_ratio: str, timeline) -> Provenance:
    return job_provenance(job, aspect_ratio=aspect_ratio, timeline=timeline)


def video_publish(*, path: str | os.PathLike, provenance: Provenance, content_id: str, title: str) -> bytes:
    """The MP4's implicit label (metadata tags), then its C2PA manifest over the tagged file; the manifest store's
    bytes, kept beside the MP4 as its sidecar (manifest_sidecar_name) for what cannot embed one: live-room
    chunks (MPEG-TS) are cut from this MP4 and their playlist names it."""
    mp4_metadata_write(path, implicit_label(provenance, content_id=content_id))
    return file_sign(path=path, provenance=provenance, content_id=content_id, title=title)


def manifest_sidecar_name(video_name: str) -> str:
    """renders/.../9x16.mp4 -> renders/.../9x16.c2pa (the C2PA sidecar file extension)."""
    return video_name.rsplit(".", 1)[0] + ".c2pa"


def still_publish(*, path: str | os.PathLike, provenance: Provenance, content_id: str, title: str) -> None:
    """A poster or preview image: its C2PA manifest (images carry no MP4 tags; the manifest says the same)."""
    file_sign(path=path, provenance=provenance, content_id=content_id, title=title)


def provenance_summary(provenance: Provenance, *, content_id: str, files: dict[str, str]) -> dict:
    """What the Rendition row keeps and the API shows: the AI facts and each file's manifest as read back."""
    return {
        "ai_generated": provenance.ai_generated,
        "content_id": content_id,
        "digital_source_type": provenance.digital_source_type,
        "models": list(provenance.models),
        "parts": [part.as_dict() for part in provenance.parts],
        "source_photos": len(provenance.photos),
        "manifests": {kind: manifest_summary(path) for kind, path in files.items()},
    }

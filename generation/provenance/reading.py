"""A signed file read back with the C2PA reader: what the API reports per rendition and what the tests check."""

from __future__ import annotations

import os
from pathlib import Path

from generation.provenance.signing import ASSERTION, MIME_TYPES
from generation.provenance.sources import TRAINED

# Our development CA is in no trust list; that is about who signed, not whether the file is intact.
TRUST_CODES = frozenset({"signingCredential.untrusted"})


def manifest_read(path: str | os.PathLike) -> dict:
    """{"validation_state": "Valid" | "Trusted" | "Invalid" | None, "manifest": the active manifest or None,
    "failures": the failure codes that are not about trust}."""
    import c2pa

    path = Path(path)
    with open(path, "rb") as handle:
        reader = c2pa.Reader.try_create(MIME_TYPES[path.suffix.lower()], handle)
        if reader is None:
            return {"validation_state": None, "manifest": None, "failures": ["manifest.missing"]}
        with reader:
            results = reader.get_validation_results() or {}
            failures = [
                item["code"]
                for item in (results.get("activeManifest") or {}).get("failure", [])
                if item["code"] not in TRUST_CODES
            ]
            return {
                "validation_state": reader.get_validation_state(),
                "manifest": reader.get_active_manifest(),
                "failures": failures,
            }


def manifest_summary(path: str | os.PathLike) -> dict:
    """What a rendition's file says about itself: valid or not, the signer, and the assertions' AI facts."""
    read = manifest_read(path)
    manifest = read["manifest"] or {}
    assertions = {assertion["label"]: assertion["data"] for assertion in manifest.get("assertions", [])}
    actions = (assertions.get("c2pa.actions.v2") or {}).get("actions", [])
    ours = assertions.get(ASSERTION, {})
    signature = manifest.get("signature_info") or {}
    return {
        "valid": read["validation_state"] in ("Valid", "Trusted") and not read["failures"],
        "validation_state": read["validation_state"],
        "failures": read["failures"],
        "manifest": manifest.get("label"),
        "digital_source_type": actions[0].get("digitalSourceType") if actions else None,
        "ai_generated": any(action.get("digitalSourceType") == TRAINED for action in actions),
        "content_id": ours.get("content_id"),
        "signer": signature.get("common_name"),
        "issuer": signature.get("issuer"),
        "ingredients": len(manifest.get("ingredients", [])),
    }

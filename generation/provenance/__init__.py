"""Provenance: what in a video is AI-generated, the visible label, the MP4's implicit label and the signed C2PA
manifest (Content Credentials) on every file we deliver. docs/provenance.md describes it for merchants."""

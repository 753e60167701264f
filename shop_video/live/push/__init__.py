"""Pushing a live room to a platform's live ingest (RTMP/RTMPS), around the clock or on a schedule (README.md)."""

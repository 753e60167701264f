"""The template editor's live preview: how long the server takes to draw one scene of a template (JPEG bytes) for
the demo product, per scene type, at the editor's size (360 px short side) and at 1080 px for scale. The target is
under a second per preview; the first draw of a photo includes its product cut-out (cached per process after).

Usage: DJANGO_SETTINGS_MODULE=shop_video.settings python bench/scene_preview.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

django.setup()

from generation.assembly.job_timeline import template_style  # noqa: E402
from generation.assembly.scene_preview import scene_preview_draw  # noqa: E402
from generation.presets import PRESETS_DIR  # noqa: E402
from generation.scene_previews import _demo_subject  # noqa: E402
from generation.template_spec import scene_type, template_spec_parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    merchant = SimpleNamespace(name="Demo Prints & Co.", slug="demo", default_currency="USD")
    for short_side in (360, 1080):
        times: dict[str, list[float]] = {}
        first = None
        for path in sorted(PRESETS_DIR.glob("*.json")):
            spec = template_spec_parse(json.loads(path.read_text())["spec"], fps=30)
            subject = _demo_subject(merchant, None, spec)
            style = template_style(spec, None)
            for index, scene in enumerate(spec.scenes):
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    scene_preview_draw(
                        spec=spec, scene_index=index, subject=subject, style=style, short_side=short_side
                    )
                    elapsed = time.perf_counter() - start
                    first = elapsed if first is None else first
                    times.setdefault(scene_type(scene), []).append(elapsed)
        print(f"short side {short_side} px (first draw, cold: {first * 1000:.0f} ms)")
        for kind, values in sorted(times.items()):
            print(
                f"  {kind:14s} median {statistics.median(values) * 1000:6.1f} ms  max {max(values) * 1000:6.1f} ms"
                f"  (n={len(values)})"
            )


if __name__ == "__main__":
    main()

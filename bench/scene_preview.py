"""The template editor's live preview: how long the server takes to draw one scene of a template (JPEG bytes) for
the demo product, per scene type, at the editor's size (360 px short side) and at 1080 px for scale. The target is
under a second per preview; the first draw of a photo includes its product cut-out (cached per process after).

The baseline, run in the same invocation: the least any preview costs, the demo photo resized to the preview's
size and encoded as JPEG. The ratio line is the slowest scene type's median at 360 px against that baseline.

Usage: python bench/scene_preview.py [--quick] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")
django.setup()

from generation.assembly.job_timeline import template_style  # noqa: E402
from generation.assembly.scene_preview import scene_preview_draw  # noqa: E402
from generation.presets import PRESETS_DIR  # noqa: E402
from generation.scene_previews import _demo_subject  # noqa: E402
from generation.template_spec import scene_type, template_spec_parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 repeats, 360 px only")
    args = parser.parse_args()
    repeat = 2 if args.quick else args.repeat
    merchant = SimpleNamespace(name="Demo Prints & Co.", slug="demo", default_currency="USD")
    slowest_360 = first_360 = 0.0
    baseline = _baseline_seconds(merchant, repeat=max(repeat, 5))
    print(f"baseline: demo photo resized to 360 px and JPEG-encoded, median {baseline * 1000:.1f} ms")
    for short_side in (360,) if args.quick else (360, 1080):
        times: dict[str, list[float]] = {}
        first = None
        for path in sorted(PRESETS_DIR.glob("*.json")):
            spec = template_spec_parse(json.loads(path.read_text())["spec"], fps=30)
            subject = _demo_subject(merchant, None, spec)
            style = template_style(spec, None)
            for index, scene in enumerate(spec.scenes):
                for _ in range(repeat):
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
        if short_side == 360:
            slowest_360 = max(statistics.median(values) for values in times.values())
            first_360 = first
    print(
        f"scene_preview ratio={slowest_360 / baseline:.1f} slowest_median_ms={slowest_360 * 1000:.0f} "
        f"first_draw_ms={first_360 * 1000:.0f} baseline_ms={baseline * 1000:.1f} target_ms=1000"
    )


def _baseline_seconds(merchant, *, repeat: int) -> float:
    from PIL import Image

    spec = template_spec_parse(json.loads(sorted(PRESETS_DIR.glob("*.json"))[0].read_text())["spec"], fps=30)
    photo = _demo_subject(merchant, None, spec).photo_path
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        small = Image.open(photo).convert("RGB").resize((360, 640))
        small.save(io.BytesIO(), "JPEG", quality=85)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()

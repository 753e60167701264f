from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from generation.engines.dit.family import FAMILY_NAMES


class Command(BaseCommand):
    help = (
        "Build a tiny random-weight pipeline of a DiT family's real architecture and save it like released "
        "weights (safetensors + model_index.json). Point DIT_MODELS at it to try the DiT path on a CPU."
    )

    def add_arguments(self, parser):
        parser.add_argument("--family", required=True, choices=FAMILY_NAMES)
        parser.add_argument("--out", required=True, type=Path, help="Directory to write (created if missing).")

    def handle(self, *args, **opts):
        try:
            from generation.engines.dit.tiny import tiny_dit_save
        except ImportError as exc:
            raise CommandError(f"the DiT packages are not installed ({exc}); pip install -e '.[dit]'") from None
        out = opts["out"]
        if out.exists() and any(out.iterdir()) and not (out / "model_index.json").exists():
            raise CommandError(f"{out} exists and is not a model directory; pick an empty or new directory")
        tiny_dit_save(family=opts["family"], out_dir=out)
        self.stdout.write(f"Saved a tiny {opts['family']} pipeline to {out}. Use it with:")
        self.stdout.write(f"DIT_MODELS={opts['family']}={out.resolve()}")

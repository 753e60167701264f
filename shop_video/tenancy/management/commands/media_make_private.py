from django.core.management.base import BaseCommand

from shop_video.private_media_move import private_files_move


class Command(BaseCommand):
    help = (
        "Move feeds, photos, brand files, presenter photos and shot clips stored before private media out of "
        "public MEDIA_ROOT into private storage under random names. Safe to run again."
    )

    def handle(self, *args, **options):
        report = private_files_move()
        self.stdout.write(f"Moved {report.moved} files to private storage; {report.already_private} already there.")
        for line in report.missing:
            self.stderr.write(f"Missing from both storages (the row keeps its name): {line}")

# Private media (issue 17): each merchant gets a random media_key, the folder of its private files, and brand
# files move to the private storage under random names (manage.py media_make_private moves existing files).

import uuid

from django.db import migrations, models

import shop_video.media
import shop_video.tenancy.models


def media_keys_fill(apps, schema_editor):
    Merchant = apps.get_model("tenancy", "Merchant")
    for merchant in Merchant.objects.filter(media_key__isnull=True).only("pk"):
        Merchant.objects.filter(pk=merchant.pk).update(media_key=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_brandmusictrack"),
    ]

    operations = [
        migrations.AddField(
            model_name="merchant",
            name="media_key",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(media_keys_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="merchant",
            name="media_key",
            field=models.CharField(
                default=shop_video.tenancy.models.media_key_new, editable=False, max_length=32, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="brandkit",
            name="font",
            field=models.FileField(
                blank=True,
                help_text="TTF or OTF; blank uses the bundled font.",
                max_length=200,
                storage=shop_video.media.private_storage_get,
                upload_to=shop_video.media.PrivateUploadTo("fonts", ["otf", "ttf"], "merchant"),
            ),
        ),
        migrations.AlterField(
            model_name="brandkit",
            name="logo",
            field=models.ImageField(
                blank=True,
                max_length=200,
                storage=shop_video.media.private_storage_get,
                upload_to=shop_video.media.PrivateUploadTo("logos", ["gif", "jpeg", "jpg", "png", "webp"], "merchant"),
            ),
        ),
        migrations.AlterField(
            model_name="brandkit",
            name="music",
            field=models.FileField(
                blank=True,
                help_text="Background track; blank means silence.",
                max_length=200,
                storage=shop_video.media.private_storage_get,
                upload_to=shop_video.media.PrivateUploadTo(
                    "music", ["aac", "flac", "m4a", "mp3", "oga", "ogg", "wav"], "merchant"
                ),
            ),
        ),
        migrations.AlterField(
            model_name="brandmusictrack",
            name="file",
            field=models.FileField(
                max_length=200,
                storage=shop_video.media.private_storage_get,
                upload_to=shop_video.media.PrivateUploadTo(
                    "music", ["aac", "flac", "m4a", "mp3", "oga", "ogg", "wav"], "kit.merchant"
                ),
            ),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0010_renderjob_progress_stage"),
    ]

    operations = [
        migrations.AddField(
            model_name="renderjob",
            name="content_shown",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="What the video shows, taken when the render was made (generation/video_freshness.py): "
                "title, prices, currency, photos, template version. Empty for renders made before it existed "
                "(never stale).",
            ),
        ),
    ]

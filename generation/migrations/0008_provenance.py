# Provenance (issue 22): which shots a trained model made, and each rendition's AI facts and manifests.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0007_videotemplate_preview_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="shot",
            name="ai_generated",
            field=models.BooleanField(
                default=False,
                help_text="Made by a trained model (a DiT engine, the GPU presenter, a neural voice): "
                "docs/provenance.md.",
            ),
        ),
        migrations.AddField(
            model_name="rendition",
            name="ai_generated",
            field=models.BooleanField(default=False, help_text="Any part made by a trained model; labelled so."),
        ),
        migrations.AddField(
            model_name="rendition",
            name="provenance",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="What made it and each file's C2PA manifest as read back "
                "(generation/provenance/publishing.py).",
            ),
        ),
    ]

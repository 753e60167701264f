"""Variants are keyed by the feed's identity within their product, not by a merchant-wide unique SKU: shops
repeat SKUs across products and leave them out. Existing variants keep their SKU as their key, which is the key
their feed gives them again (Google/Meta ids, Shopify's SKU-less fallback) or, for the rest, the import adopts
them by product and SKU on the next run. Imports gain notes (what they assumed or skipped)."""

from django.db import migrations, models
from django.db.models import F


def keys_from_skus(apps, schema_editor):
    apps.get_model("catalog", "Variant").objects.update(key=F("sku"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_import_request_options"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="variant", name="variant_unique_sku_per_merchant"),
        migrations.AddField(
            model_name="catalogimport",
            name="notes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="variant",
            name="key",
            field=models.CharField(default="", max_length=255),
            preserve_default=False,
        ),
        migrations.RunPython(keys_from_skus, migrations.RunPython.noop),
        migrations.AlterField(model_name="variant", name="sku", field=models.CharField(blank=True, max_length=255)),
        migrations.AddIndex(
            model_name="variant",
            index=models.Index(fields=["merchant", "sku"], name="variant_sku_per_merchant"),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.UniqueConstraint(fields=("product", "key"), name="variant_unique_key_per_product"),
        ),
    ]

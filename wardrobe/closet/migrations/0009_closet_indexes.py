# Indexes for the closet at any size (issue 18): the newest-first order of every garment (state=all,
# the API) and a section's or category's garments in the closet, newest first.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("closet", "0008_tags"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="garment",
            index=models.Index(fields=["owner", "-created_at", "-id"], name="garment_owner_newest_idx"),
        ),
        migrations.AddIndex(
            model_name="garment",
            index=models.Index(
                fields=["owner", "status", "category", "-created_at"], name="garment_owner_cat_newest_idx"
            ),
        ),
    ]

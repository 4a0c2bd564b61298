# Placeholder in the chain, filled by hand with its own operations only (several people edit the
# closet's models at once; makemigrations would mix their changes).
# Issue 18: a person's own tags, many per garment (closet/tag_models.py).

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("closet", "0007_garment_attributes_and_stains"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40, verbose_name="tag")),
                (
                    "color",
                    models.CharField(
                        blank=True,
                        max_length=7,
                        validators=[
                            django.core.validators.RegexValidator("^#[0-9a-fA-F]{6}$", "Give a colour as #rrggbb.")
                        ],
                        verbose_name="colour",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tags",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("garments", models.ManyToManyField(blank=True, related_name="tags", to="closet.garment")),
            ],
            options={
                "ordering": [django.db.models.functions.text.Lower("name"), "id"],
                "constraints": [
                    models.UniqueConstraint(
                        models.F("owner"),
                        django.db.models.functions.text.Lower("name"),
                        name="tag_name_once_per_owner",
                    )
                ],
            },
        ),
    ]

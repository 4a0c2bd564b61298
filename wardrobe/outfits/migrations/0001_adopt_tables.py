"""Outfits adopt the tables of the first version (``wardrobe_outfit``, ``wardrobe_outfititem``,
``wardrobe_outfitplan``): only Django's picture of the models moves here."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("closet", "0001_adopt_tables"),
        ("wardrobe", "0006_hand_over_to_closet_and_outfits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Outfit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=120, verbose_name="name")),
                        (
                            "occasion",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("casual", "Casual"),
                                    ("work", "Work"),
                                    ("formal", "Formal"),
                                    ("sport", "Sport"),
                                    ("party", "Party"),
                                    ("travel", "Travel"),
                                    ("home", "Home"),
                                ],
                                max_length=16,
                                verbose_name="occasion",
                            ),
                        ),
                        (
                            "seasons",
                            models.CharField(
                                blank=True,
                                help_text="Season slugs as ',spring,autumn,'; empty: not set.",
                                max_length=40,
                                verbose_name="seasons",
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[("builder", "Built"), ("suggestion", "Suggested")],
                                default="builder",
                                max_length=16,
                            ),
                        ),
                        (
                            "explanation",
                            models.CharField(
                                blank=True,
                                help_text="Why a suggested outfit was chosen (its weather line).",
                                max_length=300,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="outfits",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-updated_at", "-id"],
                        "indexes": [
                            models.Index(fields=["owner", "-updated_at"], name="wardrobe_ou_owner_i_5e7ca7_idx")
                        ],
                        "constraints": [],
                        "db_table": "wardrobe_outfit",
                    },
                ),
                migrations.CreateModel(
                    name="OutfitItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("x", models.FloatField(default=0.5, help_text="Centre, fraction of the canvas width.")),
                        ("y", models.FloatField(default=0.5, help_text="Centre, fraction of the canvas height.")),
                        ("width", models.FloatField(default=0.4, help_text="Fraction of the canvas width.")),
                        ("z", models.SmallIntegerField(default=0)),
                        (
                            "garment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="outfit_items",
                                to="closet.garment",
                            ),
                        ),
                        (
                            "outfit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="items", to="outfits.outfit"
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["z", "id"],
                        "indexes": [],
                        "constraints": [
                            models.UniqueConstraint(fields=("outfit", "garment"), name="garment_once_per_outfit")
                        ],
                        "db_table": "wardrobe_outfititem",
                    },
                ),
                migrations.CreateModel(
                    name="OutfitPlan",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField(verbose_name="date")),
                        ("worn", models.BooleanField(default=False, verbose_name="worn")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "outfit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="plans", to="outfits.outfit"
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="outfit_plans",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["date", "id"],
                        "indexes": [models.Index(fields=["owner", "date"], name="wardrobe_ou_owner_i_6a22c2_idx")],
                        "constraints": [models.UniqueConstraint(fields=("outfit", "date"), name="outfit_once_per_day")],
                        "db_table": "wardrobe_outfitplan",
                    },
                ),
                migrations.AddField(
                    model_name="outfit",
                    name="garments",
                    field=models.ManyToManyField(
                        related_name="outfits", through="outfits.OutfitItem", to="closet.garment"
                    ),
                ),
            ],
        ),
    ]

"""The closet adopts the tables of the first version (``wardrobe_*``): Django's picture of the models
moves here (no table is touched), and the content types of the moved models follow, so admin
permissions and log entries keep pointing at them."""

import django.core.validators
import django.db.models.deletion
import wardrobe.closet.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


#: Models of the first version, by the app that owns them now.
MOVED = {
    "closet": ["section", "category", "garmenttype", "photo", "garment", "wearlog"],
    "outfits": ["outfit", "outfititem", "outfitplan"],
}


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models_ in MOVED.items():
        for model in models_:
            if not ContentType.objects.filter(app_label=app_label, model=model).exists():
                ContentType.objects.filter(app_label="wardrobe", model=model).update(app_label=app_label)


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models_ in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model__in=models_).update(app_label="wardrobe")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("wardrobe", "0006_hand_over_to_closet_and_outfits"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Section",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("slug", models.SlugField(max_length=64, unique=True)),
                        ("name", models.CharField(max_length=100)),
                        ("order", models.PositiveSmallIntegerField(default=0)),
                    ],
                    options={
                        "ordering": ["order", "name"],
                        "indexes": [],
                        "constraints": [],
                        "db_table": "wardrobe_section",
                    },
                ),
                migrations.CreateModel(
                    name="Category",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("slug", models.SlugField(max_length=64, unique=True)),
                        ("name", models.CharField(max_length=100)),
                        ("order", models.PositiveSmallIntegerField(default=0)),
                        (
                            "section",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="categories",
                                to="closet.section",
                            ),
                        ),
                        (
                            "warmth_clo",
                            models.FloatField(
                                default=0.0,
                                help_text="Default clothing insulation (wardrobe.warmth, ISO 9920 / ASHRAE 55).",
                                validators=[django.core.validators.MinValueValidator(0.0)],
                                verbose_name="warmth (clo)",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "categories",
                        "ordering": ["section__order", "order", "name"],
                        "indexes": [],
                        "constraints": [],
                        "db_table": "wardrobe_category",
                    },
                ),
                migrations.CreateModel(
                    name="GarmentType",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("slug", models.SlugField(max_length=64, unique=True)),
                        ("name", models.CharField(max_length=100)),
                        ("order", models.PositiveSmallIntegerField(default=0)),
                        (
                            "category",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="types", to="closet.category"
                            ),
                        ),
                        (
                            "warmth_clo",
                            models.FloatField(
                                blank=True,
                                help_text="Empty: the category's warmth.",
                                null=True,
                                validators=[django.core.validators.MinValueValidator(0.0)],
                                verbose_name="warmth (clo)",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["category__order", "order", "name"],
                        "indexes": [],
                        "constraints": [],
                        "db_table": "wardrobe_garmenttype",
                    },
                ),
                migrations.CreateModel(
                    name="Photo",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("image", models.FileField(max_length=255, upload_to=wardrobe.closet.models.photo_upload_to)),
                        ("original_filename", models.CharField(blank=True, max_length=255)),
                        ("width", models.PositiveIntegerField()),
                        ("height", models.PositiveIntegerField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("processing", "Processing"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("processing_seconds", models.FloatField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="photos",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(
                                default=0,
                                help_text="How many times a worker started on this photo (a crash or time-out counts).",
                            ),
                        ),
                        (
                            "enqueued_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="When its task was last handed to the broker; empty: never (broker down).",
                                null=True,
                            ),
                        ),
                        ("processing_started_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["owner", "-created_at"], name="wardrobe_ph_owner_i_9eec1f_idx"),
                            models.Index(fields=["status", "enqueued_at"], name="photo_sweep_idx"),
                        ],
                        "constraints": [],
                        "db_table": "wardrobe_photo",
                    },
                ),
                migrations.CreateModel(
                    name="Garment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("score", models.FloatField(help_text="Combined confidence, 0..1.")),
                        ("detector_score", models.FloatField(default=0.0)),
                        ("classifier_score", models.FloatField(default=0.0)),
                        ("x0", models.PositiveIntegerField()),
                        ("y0", models.PositiveIntegerField()),
                        ("x1", models.PositiveIntegerField()),
                        ("y1", models.PositiveIntegerField()),
                        (
                            "mask",
                            models.FileField(
                                help_text="1-bit PNG at the photo's resolution.",
                                max_length=255,
                                upload_to=wardrobe.closet.models.garment_mask_upload_to,
                            ),
                        ),
                        (
                            "cutout",
                            models.FileField(
                                help_text="RGBA PNG cropped to the box.",
                                max_length=255,
                                upload_to=wardrobe.closet.models.garment_cutout_upload_to,
                            ),
                        ),
                        (
                            "colors",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text='List of {"rgb": [r,g,b], "hex": "#rrggbb", "name": str, "fraction": float}.',
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "category",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="garments",
                                to="closet.category",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="garments",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "type",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="garments",
                                to="closet.garmenttype",
                            ),
                        ),
                        (
                            "photo",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="garments", to="closet.photo"
                            ),
                        ),
                        (
                            "archive_reason",
                            models.CharField(
                                blank=True,
                                choices=[("sold", "Sold"), ("donated", "Donated"), ("lost", "Lost")],
                                max_length=16,
                                verbose_name="archived because",
                            ),
                        ),
                        ("archived_at", models.DateTimeField(blank=True, null=True)),
                        ("brand", models.CharField(blank=True, max_length=120, verbose_name="brand")),
                        (
                            "color_names",
                            models.CharField(
                                blank=True,
                                editable=False,
                                help_text="The colour names as ',navy,white,' for filtering; kept by services.",
                                max_length=400,
                            ),
                        ),
                        ("currency", models.CharField(blank=True, max_length=3, verbose_name="currency")),
                        (
                            "guesses",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text='The model\'s top guesses: [{"category", "type", "score"}], best first.',
                            ),
                        ),
                        ("last_worn_on", models.DateField(blank=True, null=True, verbose_name="last worn")),
                        (
                            "laundry",
                            models.CharField(
                                choices=[("clean", "Clean"), ("wash", "In the wash")],
                                default="clean",
                                max_length=8,
                                verbose_name="laundry",
                            ),
                        ),
                        ("material", models.CharField(blank=True, max_length=120, verbose_name="material")),
                        ("name", models.CharField(blank=True, max_length=120, verbose_name="name")),
                        ("notes", models.TextField(blank=True, max_length=4000, verbose_name="notes")),
                        (
                            "picture",
                            models.CharField(
                                choices=[("cutout", "Cutout"), ("photo", "Original photo")],
                                default="cutout",
                                max_length=8,
                                verbose_name="picture",
                            ),
                        ),
                        (
                            "price",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                max_digits=12,
                                null=True,
                                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                                verbose_name="price",
                            ),
                        ),
                        ("purchase_date", models.DateField(blank=True, null=True, verbose_name="purchase date")),
                        (
                            "seasons",
                            models.CharField(
                                blank=True,
                                help_text="Season slugs as ',spring,autumn,'; empty: not set.",
                                max_length=40,
                                verbose_name="seasons",
                            ),
                        ),
                        ("size", models.CharField(blank=True, max_length=40, verbose_name="size")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("review", "To review"),
                                    ("closet", "In the closet"),
                                    ("archived", "Archived"),
                                ],
                                default="closet",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("wear_count", models.PositiveIntegerField(default=0, verbose_name="times worn")),
                        (
                            "warmth_clo",
                            models.FloatField(
                                blank=True,
                                help_text="Empty: the default of its type or category.",
                                null=True,
                                validators=[django.core.validators.MinValueValidator(0.0)],
                                verbose_name="warmth (clo)",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["owner", "category"], name="wardrobe_ga_owner_i_f7285f_idx"),
                            models.Index(
                                fields=["owner", "status", "-created_at"], name="wardrobe_ga_owner_i_572435_idx"
                            ),
                            models.Index(
                                fields=["owner", "status", "wear_count"], name="wardrobe_ga_owner_i_11df43_idx"
                            ),
                        ],
                        "constraints": [],
                        "db_table": "wardrobe_garment",
                    },
                ),
                migrations.CreateModel(
                    name="WearLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("worn_on", models.DateField(verbose_name="worn on")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "garment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="wears", to="closet.garment"
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="wears",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-worn_on", "-id"],
                        "indexes": [models.Index(fields=["owner", "-worn_on"], name="wardrobe_we_owner_i_dfa259_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("garment", "worn_on"), name="one_wear_per_garment_day")
                        ],
                        "db_table": "wardrobe_wearlog",
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]

# Placeholder in the chain, filled by hand with its own operations only (several people edit the
# closet's models at once; makemigrations would mix their changes).
# Issue 17: a garment's attributes and stain (closet/attribute_models.py).

import wardrobe.closet.attribute_models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("closet", "0006_you_already_own_this"),
    ]

    operations = [
        migrations.AddField(
            model_name="garment",
            name="attribute_scores",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The model's score (0..1) of each attribute value it stored, by name.",
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="attributes_confirmed",
            field=models.JSONField(
                blank=True, default=list, help_text="Names of the attributes whose value a person set or confirmed."
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="damage",
            field=models.CharField(
                blank=True,
                choices=[("none", "None"), ("ripped", "Ripped or distressed")],
                max_length=16,
                verbose_name="Damage",
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="fit",
            field=models.CharField(
                blank=True,
                choices=[("skinny", "Skinny"), ("straight", "Straight"), ("wide", "Wide")],
                max_length=16,
                verbose_name="Fit",
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="neckline",
            field=models.CharField(
                blank=True,
                choices=[
                    ("collar", "Collar"),
                    ("crew", "Crew neck"),
                    ("v", "V-neck"),
                    ("hood", "Hood"),
                    ("turtleneck", "Turtleneck"),
                    ("other", "Other neckline"),
                ],
                max_length=16,
                verbose_name="Neckline",
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="pattern",
            field=models.CharField(
                blank=True,
                choices=[
                    ("solid", "Solid"),
                    ("striped", "Striped"),
                    ("checked", "Checked"),
                    ("dotted", "Dotted"),
                    ("floral", "Floral"),
                    ("graphic", "Graphic print"),
                    ("other", "Other pattern"),
                ],
                max_length=16,
                verbose_name="Pattern",
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="sleeve",
            field=models.CharField(
                blank=True,
                choices=[("sleeveless", "Sleeveless"), ("short", "Short sleeves"), ("long", "Long sleeves")],
                max_length=16,
                verbose_name="Sleeves",
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="stain_area",
            field=models.FloatField(
                blank=True, help_text="The stain's share of the garment's pixels, 0..1.", null=True
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="stain_found",
            field=models.BooleanField(default=False, help_text="The stain stage reported a stain."),
        ),
        migrations.AddField(
            model_name="garment",
            name="stain_handled",
            field=models.CharField(
                blank=True,
                choices=[("", "Not handled"), ("washed", "Put in the wash"), ("dismissed", "Not a stain")],
                default="",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="stain_mask",
            field=models.FileField(
                blank=True,
                help_text="1-bit PNG at the photo's resolution.",
                max_length=255,
                upload_to=wardrobe.closet.attribute_models.garment_stain_upload_to,
            ),
        ),
        migrations.AddField(
            model_name="garment",
            name="stain_score",
            field=models.FloatField(blank=True, help_text="The model's confidence of a stain, 0..1.", null=True),
        ),
        migrations.AddField(
            model_name="garment",
            name="wash",
            field=models.CharField(
                blank=True,
                choices=[
                    ("light", "Light wash"),
                    ("medium", "Medium wash"),
                    ("dark", "Dark wash"),
                    ("not-denim", "Not denim"),
                ],
                max_length=16,
                verbose_name="Wash",
            ),
        ),
    ]

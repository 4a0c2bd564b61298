"""The models of the first version move to the ``closet`` and ``outfits`` apps, which keep their
tables (``wardrobe_*``). Only Django's picture of the models changes here; no table is touched."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wardrobe", "0005_outfits_warmth")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel("OutfitPlan"),
                migrations.RemoveField("outfit", "garments"),
                migrations.DeleteModel("OutfitItem"),
                migrations.DeleteModel("Outfit"),
                migrations.DeleteModel("WearLog"),
                migrations.DeleteModel("Garment"),
                migrations.DeleteModel("Photo"),
                migrations.DeleteModel("GarmentType"),
                migrations.DeleteModel("Category"),
                migrations.DeleteModel("Section"),
            ],
            database_operations=[],
        ),
    ]

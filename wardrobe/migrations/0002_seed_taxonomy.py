"""Seed sections, categories and garment types from ``vision.taxonomy`` (pure Python, no torch).

Rows that already exist (matched by slug) are left alone, so admin renames survive re-running.
"""
from django.db import migrations


def seed(apps, schema_editor):
    from vision import taxonomy

    Section = apps.get_model("wardrobe", "Section")
    Category = apps.get_model("wardrobe", "Category")
    GarmentType = apps.get_model("wardrobe", "GarmentType")

    sections = {}
    for order, (slug, name) in enumerate(taxonomy.SECTIONS):
        sections[slug], _ = Section.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    categories = {}
    for order, cat in enumerate(taxonomy.CATEGORIES):
        categories[cat.slug], _ = Category.objects.get_or_create(
            slug=cat.slug, defaults={"name": cat.name, "section": sections[cat.section], "order": order})
    for order, typ in enumerate(taxonomy.TYPES):
        GarmentType.objects.get_or_create(
            slug=typ.slug, defaults={"name": typ.name, "category": categories[typ.category], "order": order})


class Migration(migrations.Migration):
    dependencies = [("wardrobe", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

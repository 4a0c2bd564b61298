"""Seed sections, categories and garment types.

The data is a frozen copy of the taxonomy of the time (``vocabulary.taxonomy`` today), so editing
the vocabulary later never changes what this migration does. Rows that already exist (matched by
slug) are left alone, so admin renames survive re-running.
"""

from django.db import migrations

SECTIONS = [
    ("tops", "Tops"),
    ("outerwear", "Outerwear"),
    ("bottoms", "Bottoms"),
    ("one-pieces", "One-pieces"),
    ("shoes", "Shoes"),
    ("bags", "Bags"),
    ("accessories", "Accessories"),
]

#: (slug, name, section slug)
CATEGORIES = [
    ("shirt-blouse", "Shirt / blouse", "tops"),
    ("top-t-shirt-sweatshirt", "Top / t-shirt / sweatshirt", "tops"),
    ("sweater", "Sweater", "tops"),
    ("cardigan", "Cardigan", "tops"),
    ("jacket", "Jacket", "outerwear"),
    ("vest", "Vest", "tops"),
    ("pants", "Pants", "bottoms"),
    ("shorts", "Shorts", "bottoms"),
    ("skirt", "Skirt", "bottoms"),
    ("coat", "Coat", "outerwear"),
    ("dress", "Dress", "one-pieces"),
    ("jumpsuit", "Jumpsuit", "one-pieces"),
    ("cape", "Cape", "outerwear"),
    ("glasses", "Glasses", "accessories"),
    ("hat", "Hat", "accessories"),
    ("headband-head-covering-hair-accessory", "Headband / head covering / hair accessory", "accessories"),
    ("tie", "Tie", "accessories"),
    ("glove", "Glove", "accessories"),
    ("watch", "Watch", "accessories"),
    ("belt", "Belt", "accessories"),
    ("leg-warmer", "Leg warmer", "accessories"),
    ("tights-stockings", "Tights / stockings", "accessories"),
    ("sock", "Sock", "accessories"),
    ("shoe", "Shoe", "shoes"),
    ("bag-wallet", "Bag / wallet", "bags"),
    ("scarf", "Scarf", "accessories"),
    ("umbrella", "Umbrella", "accessories"),
]

#: (slug, name, category slug)
TYPES = [
    ("shirt", "Shirt", "shirt-blouse"),
    ("blouse", "Blouse", "shirt-blouse"),
    ("t-shirt", "T-shirt", "top-t-shirt-sweatshirt"),
    ("long-sleeve", "Long sleeve", "top-t-shirt-sweatshirt"),
    ("polo", "Polo", "top-t-shirt-sweatshirt"),
    ("hoodie", "Hoodie", "top-t-shirt-sweatshirt"),
    ("sweatshirt", "Sweatshirt", "top-t-shirt-sweatshirt"),
    ("undershirt", "Undershirt / tank top", "top-t-shirt-sweatshirt"),
    ("bodysuit", "Bodysuit", "top-t-shirt-sweatshirt"),
    ("top", "Top", "top-t-shirt-sweatshirt"),
    ("sweater", "Sweater", "sweater"),
    ("cardigan", "Cardigan", "cardigan"),
    ("jacket", "Jacket", "jacket"),
    ("blazer", "Blazer", "jacket"),
    ("vest", "Vest", "vest"),
    ("pants", "Pants", "pants"),
    ("jeans", "Jeans", "pants"),
    ("leggings", "Leggings", "pants"),
    ("shorts", "Shorts", "shorts"),
    ("skirt", "Skirt", "skirt"),
    ("coat", "Coat", "coat"),
    ("dress", "Dress", "dress"),
    ("jumpsuit", "Jumpsuit", "jumpsuit"),
    ("romper", "Romper", "jumpsuit"),
    ("cape", "Cape", "cape"),
    ("glasses", "Glasses", "glasses"),
    ("sunglasses", "Sunglasses", "glasses"),
    ("hat", "Hat", "hat"),
    ("headband", "Headband", "headband-head-covering-hair-accessory"),
    ("tie", "Tie", "tie"),
    ("gloves", "Gloves", "glove"),
    ("watch", "Watch", "watch"),
    ("belt", "Belt", "belt"),
    ("leg-warmers", "Leg warmers", "leg-warmer"),
    ("tights", "Tights", "tights-stockings"),
    ("stockings", "Stockings", "tights-stockings"),
    ("socks", "Socks", "sock"),
    ("shoes", "Shoes", "shoe"),
    ("sneakers", "Sneakers", "shoe"),
    ("boots", "Boots", "shoe"),
    ("heels", "Heels", "shoe"),
    ("flats", "Flats", "shoe"),
    ("sandals", "Sandals", "shoe"),
    ("loafers", "Loafers", "shoe"),
    ("clogs", "Clogs", "shoe"),
    ("wedges", "Wedges", "shoe"),
    ("bag", "Bag", "bag-wallet"),
    ("purse", "Purse", "bag-wallet"),
    ("wallet", "Wallet", "bag-wallet"),
    ("scarf", "Scarf", "scarf"),
    ("umbrella", "Umbrella", "umbrella"),
]


def seed(apps, schema_editor):
    Section = apps.get_model("wardrobe", "Section")
    Category = apps.get_model("wardrobe", "Category")
    GarmentType = apps.get_model("wardrobe", "GarmentType")

    sections = {}
    for order, (slug, name) in enumerate(SECTIONS):
        sections[slug], _ = Section.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    categories = {}
    for order, (slug, name, section) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "section": sections[section], "order": order}
        )
    for order, (slug, name, category) in enumerate(TYPES):
        GarmentType.objects.get_or_create(
            slug=slug, defaults={"name": name, "category": categories[category], "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("wardrobe", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

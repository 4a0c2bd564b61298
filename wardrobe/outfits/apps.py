from django.apps import AppConfig


class OutfitsConfig(AppConfig):
    name = "wardrobe.outfits"
    label = "outfits"
    verbose_name = "Outfits"

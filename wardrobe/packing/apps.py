from django.apps import AppConfig


class PackingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wardrobe.packing"
    label = "packing"
    verbose_name = "Packing lists"

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wardrobe.core"
    label = "core"
    verbose_name = "Core"

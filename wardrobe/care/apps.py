from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "wardrobe.care"
    label = "care"
    verbose_name = "Care labels"

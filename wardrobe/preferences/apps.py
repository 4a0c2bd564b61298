from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "wardrobe.preferences"
    label = "preferences"
    verbose_name = "Preferences"

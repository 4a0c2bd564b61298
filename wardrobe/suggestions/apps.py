from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "wardrobe.suggestions"
    label = "suggestions"
    verbose_name = "Suggestions"

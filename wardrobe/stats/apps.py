from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "wardrobe.stats"
    label = "stats"
    verbose_name = "Statistics"

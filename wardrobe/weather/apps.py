from django.apps import AppConfig


class WeatherConfig(AppConfig):
    name = "wardrobe.weather"
    label = "weather"
    verbose_name = "Weather"

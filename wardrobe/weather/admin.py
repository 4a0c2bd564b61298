from django.contrib import admin

from wardrobe.weather.models import WeatherSettings


@admin.register(WeatherSettings)
class WeatherSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "location_name", "latitude", "longitude"]
    list_filter = ["provider"]
    search_fields = ["user__username", "location_name"]
    raw_id_fields = ["user"]

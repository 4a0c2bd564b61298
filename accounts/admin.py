from django.contrib import admin

from accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "review_threshold", "currency"]
    list_filter = ["language"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]

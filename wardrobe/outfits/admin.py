from django.contrib import admin

from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan


class OutfitItemInline(admin.TabularInline):
    model = OutfitItem
    extra = 0
    raw_id_fields = ["garment"]


@admin.register(Outfit)
class OutfitAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "occasion", "source", "updated_at"]
    list_filter = ["occasion", "source"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["seasons"]
    inlines = [OutfitItemInline]


@admin.register(OutfitPlan)
class OutfitPlanAdmin(admin.ModelAdmin):
    list_display = ["date", "outfit", "owner", "worn"]
    list_filter = ["worn"]
    date_hierarchy = "date"
    raw_id_fields = ["owner", "outfit"]

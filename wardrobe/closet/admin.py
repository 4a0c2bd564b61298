from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from wardrobe.closet.models import Category, Garment, GarmentColor, GarmentType, Photo, Section, WearLog
from wardrobe.core.media import file_response


def _thumb(url: str) -> str:
    # Styled by static/css/admin.css: the Content-Security-Policy refuses style attributes.
    return format_html('<img src="{}" alt="" class="admin-thumb">', url)


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["slug", "name", "order"]


class GarmentTypeInline(admin.TabularInline):
    model = GarmentType
    extra = 0
    fields = ["slug", "name", "order"]


class GarmentColorInline(admin.TabularInline):
    model = GarmentColor
    extra = 0
    fields = ["position", "name", "hex", "fraction"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "section", "order"]
    list_filter = ["section"]
    search_fields = ["name", "slug"]
    inlines = [GarmentTypeInline]


@admin.register(GarmentType)
class GarmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "category"]
    list_filter = ["category__section", "category"]
    search_fields = ["name", "slug"]


class GarmentInline(admin.TabularInline):
    model = Garment
    extra = 0
    fields = ["thumbnail", "category", "type", "score"]
    readonly_fields = ["thumbnail"]
    show_change_link = True

    @admin.display(description="Cutout")
    def thumbnail(self, obj: Garment) -> str:
        # Admin staff see everyone's files through the admin-only view below.
        return _thumb(reverse("admin:closet_garment_cutout", args=[obj.pk])) if obj.pk else ""


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "thumbnail",
        "owner",
        "original_filename",
        "status",
        "width",
        "height",
        "processing_seconds",
        "created_at",
    ]
    list_filter = ["status", "error_code", "created_at"]
    search_fields = ["original_filename", "owner__username"]
    list_select_related = ["owner"]
    readonly_fields = [
        "thumbnail",
        "image",
        "width",
        "height",
        "created_at",
        "updated_at",
        "processing_seconds",
        "failure_message",
    ]
    raw_id_fields = ["owner"]
    inlines = [GarmentInline]

    @admin.display(description="Photo")
    def thumbnail(self, obj: Photo) -> str:
        return _thumb(reverse("admin:closet_photo_image", args=[obj.pk])) if obj.pk else ""

    def get_urls(self):
        from django.urls import path

        return [
            path("<int:pk>/image/", self.admin_site.admin_view(self.image_view), name="closet_photo_image"),
            *super().get_urls(),
        ]

    def image_view(self, request, pk: int):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404

        if not self.has_view_permission(request):
            raise PermissionDenied

        return file_response(get_object_or_404(Photo, pk=pk).image)


@admin.register(Garment)
class GarmentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "thumbnail",
        "owner",
        "name",
        "category",
        "type",
        "status",
        "score",
        "wear_count",
        "laundry",
        "created_at",
    ]
    list_filter = ["status", "laundry", "archive_reason", "category__section", "category", "photo__status"]
    search_fields = ["owner__username", "name", "brand", "category__name", "type__name"]
    list_select_related = ["owner", "category", "type", "photo"]
    readonly_fields = [
        "thumbnail",
        "photo",
        "mask",
        "cutout",
        "x0",
        "y0",
        "x1",
        "y1",
        "guesses",
        "wear_count",
        "last_worn_on",
        "archived_at",
        "created_at",
        "updated_at",
    ]
    raw_id_fields = ["owner"]
    filter_horizontal = ["seasons"]
    inlines = [GarmentColorInline]

    @admin.display(description="Cutout")
    def thumbnail(self, obj: Garment) -> str:
        return _thumb(reverse("admin:closet_garment_cutout", args=[obj.pk])) if obj.pk else ""

    def get_urls(self):
        from django.urls import path

        return [
            path("<int:pk>/cutout/", self.admin_site.admin_view(self.cutout_view), name="closet_garment_cutout"),
            *super().get_urls(),
        ]

    def cutout_view(self, request, pk: int):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404

        if not self.has_view_permission(request):
            raise PermissionDenied

        return file_response(get_object_or_404(Garment, pk=pk).cutout, "image/png")


@admin.register(WearLog)
class WearLogAdmin(admin.ModelAdmin):
    list_display = ["worn_on", "garment", "owner", "created_at"]
    list_filter = ["worn_on"]
    search_fields = ["owner__username"]
    list_select_related = ["garment__category", "garment__type", "owner"]
    raw_id_fields = ["owner", "garment"]
    date_hierarchy = "worn_on"

"""Pages of outfits and the calendar."""

from django.urls import path

from wardrobe.outfits import calendar, views

app_name = "outfits"

urlpatterns = [
    path("outfits/", views.outfit_list, name="outfit-list"),
    path("outfits/new/", views.outfit_new, name="outfit-new"),
    path("outfits/<int:outfit_id>/", views.outfit_detail, name="outfit-detail"),
    path("outfits/<int:outfit_id>/edit/", views.outfit_edit, name="outfit-edit"),
    path("outfits/<int:outfit_id>/delete/", views.outfit_delete, name="outfit-delete"),
    path("outfits/<int:outfit_id>/plan/", views.outfit_plan, name="outfit-plan"),
    path("outfits/<int:outfit_id>/wear/", views.outfit_wear, name="outfit-wear"),
    path("outfits/<int:outfit_id>/image.png", views.outfit_image, name="outfit-image"),
    path("calendar/", calendar.calendar_month, name="calendar"),
    path("calendar/plan/", calendar.calendar_plan, name="calendar-plan"),
    path("plans/<int:plan_id>/delete/", calendar.plan_delete, name="plan-delete"),
    path("plans/<int:plan_id>/worn/", calendar.plan_worn, name="plan-worn"),
]

from django.urls import path

from wardrobe import outfit_views, views

app_name = "wardrobe"

urlpatterns = [
    path("", views.home, name="home"),
    path("closet/", views.closet, name="closet"),
    path("closet/bulk/", views.closet_bulk, name="closet-bulk"),
    path("upload/", views.upload, name="upload"),
    path("review/", views.review, name="review"),
    path("review/confirm-all/", views.review_confirm_all, name="review-confirm-all"),
    path("photos/", views.photo_list, name="photo-list"),
    path("photos/<int:photo_id>/", views.photo_detail, name="photo-detail"),
    path("photos/<int:photo_id>/review/", views.photo_review, name="photo-review"),
    path("photos/<int:photo_id>/confirm-all/", views.photo_confirm_all, name="photo-confirm-all"),
    path("photos/<int:photo_id>/delete/", views.photo_delete, name="photo-delete"),
    path("photos/<int:photo_id>/retry/", views.photo_retry, name="photo-retry"),
    path("garments/<int:garment_id>/", views.garment_detail, name="garment-detail"),
    path("garments/<int:garment_id>/wear/", views.garment_wear, name="garment-wear"),
    path("garments/<int:garment_id>/unwear/", views.garment_unwear, name="garment-unwear"),
    path("garments/<int:garment_id>/laundry/", views.garment_laundry, name="garment-laundry"),
    path("garments/<int:garment_id>/archive/", views.garment_archive, name="garment-archive"),
    path("garments/<int:garment_id>/delete/", views.garment_delete, name="garment-delete"),
    path("outfits/suggestions/", views.suggestions_page, name="suggestions"),
    path("outfits/suggestions/accept/", views.suggestions_accept, name="suggestions-accept"),
    path("outfits/", outfit_views.outfit_list, name="outfit-list"),
    path("outfits/new/", outfit_views.outfit_new, name="outfit-new"),
    path("outfits/<int:outfit_id>/", outfit_views.outfit_detail, name="outfit-detail"),
    path("outfits/<int:outfit_id>/edit/", outfit_views.outfit_edit, name="outfit-edit"),
    path("outfits/<int:outfit_id>/delete/", outfit_views.outfit_delete, name="outfit-delete"),
    path("outfits/<int:outfit_id>/plan/", outfit_views.outfit_plan, name="outfit-plan"),
    path("outfits/<int:outfit_id>/wear/", outfit_views.outfit_wear, name="outfit-wear"),
    path("outfits/<int:outfit_id>/image.png", outfit_views.outfit_image, name="outfit-image"),
    path("calendar/", outfit_views.calendar_month, name="calendar"),
    path("calendar/plan/", outfit_views.calendar_plan, name="calendar-plan"),
    path("plans/<int:plan_id>/delete/", outfit_views.plan_delete, name="plan-delete"),
    path("plans/<int:plan_id>/worn/", outfit_views.plan_worn, name="plan-worn"),
    # Owner-checked files (never a public media URL).
    path("media/photos/<int:photo_id>/image", views.photo_image, name="photo-image"),
    path("media/garments/<int:garment_id>/mask.png", views.garment_mask, name="garment-mask"),
    path("media/garments/<int:garment_id>/cutout.png", views.garment_cutout, name="garment-cutout"),
    path("media/garments/<int:garment_id>/picture", views.garment_picture, name="garment-picture"),
]

from django.urls import path

from wardrobe import views

app_name = "wardrobe"

urlpatterns = [
    path("", views.home, name="home"),
    path("closet/", views.closet, name="closet"),
    path("upload/", views.upload, name="upload"),
    path("photos/", views.photo_list, name="photo-list"),
    path("photos/<int:photo_id>/", views.photo_detail, name="photo-detail"),
    path("photos/<int:photo_id>/delete/", views.photo_delete, name="photo-delete"),
    path("photos/<int:photo_id>/retry/", views.photo_retry, name="photo-retry"),
    path("garments/<int:garment_id>/", views.garment_detail, name="garment-detail"),
    path("garments/<int:garment_id>/delete/", views.garment_delete, name="garment-delete"),
    # Owner-checked files (never a public media URL).
    path("media/photos/<int:photo_id>/image", views.photo_image, name="photo-image"),
    path("media/garments/<int:garment_id>/mask.png", views.garment_mask, name="garment-mask"),
    path("media/garments/<int:garment_id>/cutout.png", views.garment_cutout, name="garment-cutout"),
]

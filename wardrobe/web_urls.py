from django.urls import path

from wardrobe import views

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
    # Owner-checked files (never a public media URL).
    path("media/photos/<int:photo_id>/image", views.photo_image, name="photo-image"),
    path("media/garments/<int:garment_id>/mask.png", views.garment_mask, name="garment-mask"),
    path("media/garments/<int:garment_id>/cutout.png", views.garment_cutout, name="garment-cutout"),
    path("media/garments/<int:garment_id>/picture", views.garment_picture, name="garment-picture"),
]

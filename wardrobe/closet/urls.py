"""Pages and owner-checked files of the closet."""

from django.urls import path

from wardrobe.closet.views import closet, fixes, garments, media, photos, similar, tags

app_name = "closet"

urlpatterns = [
    path("", closet.home, name="home"),
    path("closet/", closet.closet, name="closet"),
    path("closet/bulk/", closet.closet_bulk, name="closet-bulk"),
    path("closet/bulk-edit/", tags.closet_bulk_edit, name="closet-bulk-edit"),
    path("closet/tags/", tags.tag_list, name="tags"),
    path("closet/tags/<int:tag_id>/rename/", tags.tag_rename, name="tag-rename"),
    path("closet/tags/<int:tag_id>/delete/", tags.tag_delete, name="tag-delete"),
    path("upload/", photos.upload, name="upload"),
    path("review/", photos.review, name="review"),
    path("review/confirm-all/", photos.review_confirm_all, name="review-confirm-all"),
    path("photos/", photos.photo_list, name="photo-list"),
    path("photos/<int:photo_id>/", photos.photo_detail, name="photo-detail"),
    path("photos/<int:photo_id>/review/", photos.photo_review, name="photo-review"),
    path("photos/<int:photo_id>/confirm-all/", photos.photo_confirm_all, name="photo-confirm-all"),
    path("photos/<int:photo_id>/delete/", photos.photo_delete, name="photo-delete"),
    path("photos/<int:photo_id>/retry/", photos.photo_retry, name="photo-retry"),
    path("photos/<int:photo_id>/rerun/", fixes.photo_rerun, name="photo-rerun"),
    path("photos/<int:photo_id>/add-garment/", fixes.photo_add_garment, name="photo-add-garment"),
    path("garments/<int:garment_id>/", garments.garment_detail, name="garment-detail"),
    path("garments/<int:garment_id>/wear/", garments.garment_wear, name="garment-wear"),
    path("garments/<int:garment_id>/unwear/", garments.garment_unwear, name="garment-unwear"),
    path("garments/<int:garment_id>/laundry/", garments.garment_laundry, name="garment-laundry"),
    path("garments/<int:garment_id>/archive/", garments.garment_archive, name="garment-archive"),
    path("garments/<int:garment_id>/delete/", garments.garment_delete, name="garment-delete"),
    path("garments/<int:garment_id>/cutout/", fixes.garment_mask_edit, name="garment-mask-edit"),
    path("garments/<int:garment_id>/cutout/undo/", fixes.garment_mask_undo, name="garment-mask-undo"),
    path("garments/<int:garment_id>/merge/", fixes.garment_merge, name="garment-merge"),
    path("garments/<int:garment_id>/duplicate/", similar.garment_duplicate, name="garment-duplicate"),
    path("closet/match/", similar.closet_match, name="closet-match"),
    # Owner-checked files (never a public media URL).
    path("media/photos/<int:photo_id>/image", media.PhotoImageView.as_view(), name="photo-image"),
    path("media/garments/<int:garment_id>/mask.png", media.GarmentMaskView.as_view(), name="garment-mask"),
    path("media/garments/<int:garment_id>/cutout.png", media.GarmentCutoutView.as_view(), name="garment-cutout"),
    path("media/garments/<int:garment_id>/picture", media.GarmentPictureView.as_view(), name="garment-picture"),
    path("media/garments/<int:garment_id>/stain.png", media.GarmentStainOutlineView.as_view(), name="garment-stain"),
    path(
        "media/garments/<int:garment_id>/stain-mask.png",
        media.GarmentStainMaskView.as_view(),
        name="garment-stain-mask",
    ),
    path("garments/<int:garment_id>/stain/", garments.garment_stain, name="garment-stain-action"),
]

"""Pages of the wishlist."""

from django.urls import path

from wardrobe.wishlist import views

app_name = "wishlist"

urlpatterns = [
    path("wishlist/", views.wishlist, name="wishlist"),
    path("wishlist/<int:item_id>/", views.wishlist_item, name="item"),
    path("wishlist/<int:item_id>/delete/", views.wishlist_item_delete, name="delete"),
    path("wishlist/<int:item_id>/photo", views.WishlistPhotoView.as_view(), name="photo"),
]

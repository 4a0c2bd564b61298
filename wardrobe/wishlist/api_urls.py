"""API routes of the wishlist, included under ``/api/`` by the root URLconf."""

from rest_framework.routers import SimpleRouter

from wardrobe.wishlist.api import WishlistViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("wishlist", WishlistViewSet, basename="wishlist-item")

urlpatterns = router.urls

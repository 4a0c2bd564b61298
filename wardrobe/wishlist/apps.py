from django.apps import AppConfig


class WishlistConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "wardrobe.wishlist"
    label = "wishlist"
    verbose_name = "Wishlist"

    def ready(self) -> None:
        from wardrobe.wishlist import signals  # noqa: F401  (file clean-up)

from django.apps import AppConfig


class WardrobeConfig(AppConfig):
    name = "wardrobe"
    verbose_name = "Wardrobe"

    def ready(self) -> None:
        from wardrobe import signals  # noqa: F401  (file clean-up on delete)
        from wardrobe import images

        images.configure_pillow()

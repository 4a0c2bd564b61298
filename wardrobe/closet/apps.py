from django.apps import AppConfig


class ClosetConfig(AppConfig):
    name = "wardrobe.closet"
    label = "closet"
    verbose_name = "Closet"

    def ready(self) -> None:
        from wardrobe.closet import images, signals  # noqa: F401  (file clean-up on delete)

        images.configure_pillow()

from django.apps import AppConfig


class ClosetConfig(AppConfig):
    name = "wardrobe.closet"
    label = "closet"
    verbose_name = "Closet"

    def ready(self) -> None:
        from wardrobe.closet import images, signals  # noqa: F401  (file clean-up on delete)

        images.configure_pillow()
        self._clear_taxonomy_cache_on_edits()

    def _clear_taxonomy_cache_on_edits(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wardrobe.closet.models import Category, GarmentType, Section
        from wardrobe.closet.taxonomy_cache import taxonomy_cache_clear

        for model in (Section, Category, GarmentType):
            for signal in (post_save, post_delete):
                signal.connect(taxonomy_cache_clear, sender=model, dispatch_uid=f"taxonomy-cache-{model.__name__}")

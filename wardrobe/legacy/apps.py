from django.apps import AppConfig


class LegacyConfig(AppConfig):
    """The migrations of the app's first version, when one app labelled ``wardrobe`` held every
    model. They create the ``wardrobe_*`` tables on a new database; their last one hands the models
    over to ``closet`` and ``outfits``, which keep those tables. Kept so that existing installations
    and new ones share one migration history."""

    name = "wardrobe.legacy"
    label = "wardrobe"
    verbose_name = "Wardrobe (first version's migrations)"

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    """The Celery side as a Django app: its management command (``sweep_photos``)."""

    name = "workers"
    label = "workers"
    verbose_name = "Workers"

"""``manage.py sweep_photos``: recover photos stuck in ``pending`` or ``processing`` once, now."""

from django.core.management.base import BaseCommand

from wardrobe.closet import services


class Command(BaseCommand):
    help = (
        "Re-enqueue photos whose processing task was lost (broker down during the upload, worker "
        "killed) and fail those out of attempts. Celery beat runs the same every SWEEP_INTERVAL s."
    )

    def handle(self, *args, **options):
        counts = services.photos_sweep()
        self.stdout.write(
            f"enqueued {counts['enqueued']}, failed {counts['failed']}, "
            f"could not enqueue {counts['unqueued']} (broker unreachable)"
        )

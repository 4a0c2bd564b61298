"""``manage.py garments_embed``: recompute the appearance vector of every garment (issue 16), e.g.
after the embedding model (``classifier.pt`` and ``embed_projection.pt``, stage ``embed``) changed;
``--missing``: only those with no vector of the current model (vectors of another model are left out
of every comparison until then; the workers also catch up on those by themselves, a batch every
``EMBED_REFRESH_INTERVAL`` seconds under celery beat). Needs the vision pipeline, so it runs where the
workers run."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wardrobe.closet import services
from wardrobe.closet.models import Garment
from wardrobe.closet.similar_models import current_embedding_version
from workers.runtime import get_pipeline


class Command(BaseCommand):
    help = (
        "Recompute the appearance vector (stage 'embed') of every garment, photo by photo, from its "
        "stored photo and mask: after the embedding model changed, or for garments stored without one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this username's garments.")
        parser.add_argument(
            "--missing", action="store_true", help="Only garments without a vector of the current embedding model."
        )

    def handle(self, *args, user=None, missing=False, **options):
        garments = Garment.objects.all()
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"no user {user!r}")
            garments = garments.filter(owner=owner)
        if missing:  # none, or one of another embedding model
            garments = garments.exclude(embedding__model_version=current_embedding_version())
        done, skipped = services.garments_embed(garments=garments, embed=get_pipeline().stage("embed"))
        for line in skipped:
            self.stderr.write(line)
        self.stdout.write(f"embedded {done} garment(s), skipped {len(skipped)} photo(s)")

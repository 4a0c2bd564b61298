"""Appearance vectors recomputed (issue 16): every garment's after the embedding model changed
(``manage.py garments_embed``), and, under celery beat, those of garments with no vector of the
current model (``workers.tasks.embed_stale_garments``), so similar items, duplicate warnings and the
personal re-ranking catch up by themselves. Knows nothing of Celery."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from vision.contract import GarmentInstance
from wardrobe.closet.models import Garment, Photo
from wardrobe.closet.services.masks import garment_mask_array
from wardrobe.closet.services.photos import load_photo_rgb
from wardrobe.closet.services.similar import garment_embedding_save
from wardrobe.closet.similar_models import UNKNOWN_EMBEDDING_VERSION, current_embedding_version


def garments_embed(*, garments: QuerySet[Garment], embed) -> tuple[int, list[str]]:
    """Recompute the appearance vector of each garment of the queryset ``garments`` (stage
    ``embed``: a ``vision.stages.embed`` stage with ``crops`` and ``embed``) from its stored photo and
    mask, photo by photo, in photo order.

    Returns (garments embedded, one line per photo skipped: its file missing or unreadable, or one
    of its garments deleted meanwhile; its garments are left as they were, the others go on)."""
    done, skipped = 0, []
    for photo in Photo.objects.filter(pk__in=garments.values("photo_id")).order_by("pk").iterator():
        rows = list(garments.filter(photo=photo).order_by("pk"))
        try:
            image = load_photo_rgb(photo)
            instances = [GarmentInstance(box=tuple(g.bbox), mask=garment_mask_array(g)) for g in rows]
            vectors = embed.embed(embed.crops(image, instances))
        except (OSError, ValueError, ValidationError) as exc:
            skipped.append(f"photo {photo.pk}: skipped ({type(exc).__name__}: {exc})")
            continue
        try:
            with transaction.atomic():
                for garment, vector in zip(rows, vectors):
                    garment_embedding_save(garment=garment, vector=vector)
        except IntegrityError:  # a garment deleted meanwhile (a re-run, a merge): the photo's next turn
            skipped.append(f"photo {photo.pk}: skipped (a garment was deleted meanwhile)")
            continue
        done += len(rows)
    return done, skipped


def garments_embed_stale(*, embed, limit: int = 100) -> tuple[int, list[str]]:
    """Vectors that stick to the model: recompute those of garments with no vector of the current
    embedding model (``current_embedding_version``: a vector of an older model, or none), at most
    ``limit`` of them drawn at random (so a photo whose file is gone, skipped each time, never holds
    the others back). Does nothing when the current version is unknown (the weights unreadable
    here). Returns as :func:`garments_embed`."""
    version = current_embedding_version()
    if version == UNKNOWN_EMBEDDING_VERSION:
        return 0, []
    stale = Garment.objects.exclude(embedding__model_version=version)
    drawn = list(stale.order_by("?").values_list("pk", flat=True)[:limit])
    if not drawn:
        return 0, []
    return garments_embed(garments=Garment.objects.filter(pk__in=drawn), embed=embed)

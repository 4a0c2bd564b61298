""" "You already own this" (issue 16, duplicates): a new garment that very likely repeats one the
owner has already is marked ``duplicate_of`` that garment and waits in the review queue, where the
owner says "It's the same" (the new photo joins the existing item, the new row goes) or "Keep both".

:func:`garment_duplicate_find` runs in the worker, inside ``garment_create`` (no model: the vectors
and perceptual hashes are already there); :func:`garment_duplicate_resolve` is the owner's choice.
Knows nothing of Celery.
"""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from vision.similarity import (
    DUPLICATE_MARGIN,
    PHASH_MAX_DISTANCE,
    cosine_matrix,
    duplicate_categories,
    duplicate_score,
    hamming,
)
from wardrobe.closet import selectors
from wardrobe.closet.models import Garment, Photo
from wardrobe.closet.similar_models import GarmentPhoto


def phash_distance(a: str, b: str) -> int | None:
    """Hamming distance (0..64 bits) of two photos' ``Photo.phash`` (16 hex digits of
    ``vision.similarity.photo_phash``); None when one is empty or not a hash."""
    try:
        return hamming(int(a, 16), int(b, 16)) if a and b else None
    except ValueError:
        return None


def _candidates(garment: Garment):
    """The owner's other garments of the same category or of a category the model named among its
    first guesses (``vision.similarity.duplicate_categories``: a garment photographed again is often
    named another category), in the closet or waiting for review, not themselves marked as a
    duplicate, not from the same photo."""
    guessed = [g.get("category") for g in garment.guesses or [] if isinstance(g, dict)]
    slugs = duplicate_categories(garment.category.slug if garment.category_id else None, guessed)
    return (
        Garment.objects.filter(owner_id=garment.owner_id, status__in=selectors.OWNED)
        .filter(Q(category_id=garment.category_id) | Q(category__slug__in=slugs))
        .filter(duplicate_of__isnull=True)
        .exclude(photo_id=garment.photo_id)
        .exclude(pk=garment.pk)
    )


def garment_duplicate_find(*, garment: Garment, vector: np.ndarray | None) -> Garment | None:
    """The owner's garment that ``garment`` (saved, not yet marked) very likely repeats, or None.

    Among the owner's other garments of the same category, or of a category among the model's first
    guesses (``vision.similarity.duplicate_categories``), in the closet or the review queue (not
    themselves duplicates, not of the same photo): first one whose photo, or one of its extra photos,
    is the same picture again (``imagehash`` phash distance at most
    ``vision.similarity.PHASH_MAX_DISTANCE`` bits to ``garment.photo.phash``; the closest, then the
    oldest); else the one whose appearance is most alike to ``vector`` (float (D,), unit norm; None:
    no vector), when it is much more alike than the second most alike
    (``vision.similarity.duplicate_score`` reaches ``DUPLICATE_MARGIN``; with a single candidate, a
    cosine similarity of at least ``DUPLICATE_SIMILARITY``).
    """
    candidates = _candidates(garment)
    own_hash = garment.photo.phash
    if own_hash:
        hashes = list(candidates.values_list("pk", "photo__phash"))
        hashes += list(
            GarmentPhoto.objects.filter(garment__in=candidates.values("pk")).values_list("garment_id", "photo__phash")
        )
        near = sorted(
            (d, pk) for pk, h in hashes if (d := phash_distance(own_hash, h)) is not None and d <= PHASH_MAX_DISTANCE
        )
        if near:
            return Garment.objects.get(pk=near[0][1])
    if vector is None:
        return None
    ids, matrix = selectors.garment_vectors(user=garment.owner_id, garments=candidates)
    if not ids:
        return None
    best, score = duplicate_score(cosine_matrix(np.asarray(vector, np.float32)[None, :], matrix)[0])
    return Garment.objects.get(pk=ids[best]) if score >= DUPLICATE_MARGIN else None


def garment_duplicate_mark(*, garment: Garment, vector: np.ndarray | None) -> Garment:
    """Look for the garment ``garment`` repeats (:func:`garment_duplicate_find`); when there is one,
    set ``duplicate_of`` and send ``garment`` to the review queue (saved). Returns ``garment``."""
    original = garment_duplicate_find(garment=garment, vector=vector)
    if original is not None:
        garment.duplicate_of = original
        garment.status = Garment.Status.REVIEW
        garment.save(update_fields=["duplicate_of", "status", "updated_at"])
    return garment


def garment_duplicate_resolve(*, garment: Garment, same: bool) -> Garment:
    """The owner's answer for a garment marked ``duplicate_of`` another of theirs.

    ``same=True`` ("It's the same"): the garment's photo and box become another photo of the
    existing item (a ``GarmentPhoto``, once per photo) and the new garment row and its files are
    deleted; returns the existing item. ``same=False`` ("Keep both"): ``duplicate_of`` is cleared,
    the garment stays where it is (in review, to confirm its name as any other); returns it.
    Raises ``ValidationError`` (code ``not_duplicate``) when the garment is not marked.
    """
    with transaction.atomic():
        # Lock the photo first, as the worker and photo deletion do (photo -> garments).
        Photo.objects.select_for_update().filter(pk=garment.photo_id).exists()
        locked = Garment.objects.select_for_update().filter(pk=garment.pk, owner_id=garment.owner_id).first()
        if locked is None or locked.duplicate_of_id is None:
            raise ValidationError(_("This item is not marked as one you own already."), code="not_duplicate")
        original = Garment.objects.get(pk=locked.duplicate_of_id, owner_id=garment.owner_id)
        if not same:
            locked.duplicate_of = None
            locked.save(update_fields=["duplicate_of", "updated_at"])
            return locked
        GarmentPhoto.objects.get_or_create(garment=original, photo_id=locked.photo_id, defaults={"box": locked.bbox})
        locked.delete()
    return original

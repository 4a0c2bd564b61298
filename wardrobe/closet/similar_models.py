"""Closet models of "You already own this" (issue 16): a garment's appearance vector, the extra
photos an item gathers when a person says a new garment is one they own already, and the transient
request of "Do I own something like this?".

They refer to ``closet.Garment`` / ``closet.Photo`` by name (no import of ``closet.models``, which
imports this module so that Django finds them).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

#: How a vector is stored: little-endian float16 (1280 values: 2,560 bytes a garment).
VECTOR_DTYPE = np.dtype("<f2")


def vector_to_bytes(vector: np.ndarray) -> bytes:
    """``vector`` (float (D,)) as :data:`VECTOR_DTYPE` bytes."""
    return np.asarray(vector, dtype=np.float32).astype(VECTOR_DTYPE).tobytes()


def vector_from_bytes(data: bytes | memoryview) -> np.ndarray:
    """The float32 (D,) vector stored as :data:`VECTOR_DTYPE` bytes, scaled back to unit norm
    (float16 rounding moves the norm by about 1e-3)."""
    vector = np.frombuffer(bytes(data), dtype=VECTOR_DTYPE).astype(np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


#: The version given when this process has no weights to read: it matches no stored vector.
UNKNOWN_EMBEDDING_VERSION = "unknown"


def current_embedding_version() -> str:
    """The version of the embedding model this deployment runs (``VISION_WEIGHTS_DIR`` or the
    committed weights): ``vision.stages.embed.embedding_version``; :data:`UNKNOWN_EMBEDDING_VERSION`
    (logged) when the weights cannot be read here, so no vector is compared rather than a page failing."""
    from vision.checkpoints import WEIGHTS_DIR
    from vision.stages.embed import embedding_version

    try:
        return embedding_version(Path(settings.VISION_WEIGHTS_DIR or WEIGHTS_DIR))
    except OSError as exc:
        logger.warning("embedding version unknown, no appearance vector compared: %s", exc)
        return UNKNOWN_EMBEDDING_VERSION


class GarmentEmbedding(models.Model):
    """A garment's appearance vector (``vision.contract.GarmentInstance.embedding``, stage ``embed``):
    what "You already own this", similar items and the personal re-ranking of guesses compare by
    cosine similarity (``vision.similarity``). Recomputed for every garment by ``manage.py
    garments_embed`` when the model changes."""

    garment = models.OneToOneField(
        "closet.Garment", on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    vector = models.BinaryField(help_text="Little-endian float16, vision.similarity.EMBEDDING_DIM values, unit norm.")
    model_version = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text="The embedding model that made it (vision.stages.embed.embedding_version): a vector of "
        "another version is stale, left out of every comparison until manage.py garments_embed --missing.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Embedding of garment {self.garment_id}"

    @property
    def array(self) -> np.ndarray:
        """The vector, float32 (D,), unit norm."""
        return vector_from_bytes(self.vector)


class GarmentPhoto(models.Model):
    """Another photo of a garment: a new garment its owner said is one they own already ("It's the
    same", ``services.garment_duplicate_resolve``) leaves its photo and box here, and its row goes."""

    garment = models.ForeignKey("closet.Garment", on_delete=models.CASCADE, related_name="extra_photos")
    photo = models.ForeignKey("closet.Photo", on_delete=models.CASCADE, related_name="+")
    box = models.JSONField(help_text="[x0, y0, x1, y1] of the garment in that photo's pixels, x1/y1 exclusive.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["garment", "photo"], name="garment_photo_once")]

    def __str__(self) -> str:
        return f"Photo {self.photo_id} of garment {self.garment_id}"

    @property
    def box_width(self) -> int:
        return int(self.box[2]) - int(self.box[0])

    @property
    def box_height(self) -> int:
        return int(self.box[3]) - int(self.box[1])


def match_upload_to(instance: MatchRequest, filename: str) -> str:
    """``matches/<owner id>/<random uuid>.<ext>``."""
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ".bin"
    return f"matches/{instance.owner_id}/{uuid.uuid4().hex}{ext}"


class MatchRequest(models.Model):
    """A photo sent to ask "Do I own something like this?", while a worker looks at it: the web
    process runs no model, so it stores the photo here, hands the row to the queue port
    (``send_match``) and waits for ``status`` to change; then it deletes the row and its file
    (``services.closet_match``). Nothing of it is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    image = models.FileField(upload_to=match_upload_to, max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    found = models.PositiveSmallIntegerField(default=0, help_text="Garments the worker found in the photo.")
    matches = models.JSONField(default=list, blank=True, help_text='[{"id", "similarity"}], best first.')
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Match request {self.pk} ({self.status})"

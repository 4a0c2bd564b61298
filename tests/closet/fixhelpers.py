"""Helpers of the "fix it in seconds" tests: garments at given boxes, stroke PNGs, a queue that records."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image, ImageDraw

from tests.conftest import media_files
from tests.factories import box_instance
from wardrobe.closet import services
from wardrobe.closet.models import BoxRequest, Garment, Photo


class RecordingQueue:
    """``PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"``: remembers what was sent."""

    photos: list[int] = []
    boxes: list[int] = []
    matches: list[int] = []

    def send(self, photo_id: int) -> None:
        type(self).photos.append(photo_id)

    def send_box(self, request_id: int) -> None:
        type(self).boxes.append(request_id)

    def send_match(self, request_id: int) -> None:
        type(self).matches.append(request_id)

    def waiting(self) -> int | None:
        return 0


def garment_at(
    photo: Photo,
    box: tuple[int, int, int, int],
    category: str = "shoe",
    type: str | None = None,
    *,
    colors: tuple[str, ...] = ("black",),
    status: str = Garment.Status.CLOSET,
    quality: float | None = None,
    guesses=(),
) -> Garment:
    """A garment of ``photo`` whose mask is exactly ``box`` (photo pixels), through ``garment_create``
    (its cutout made from the photo)."""
    instance = box_instance(photo, category, type, colors=colors, guesses=guesses)
    mask = np.zeros((photo.height, photo.width), bool)
    mask[box[1] : box[3], box[0] : box[2]] = True
    instance.box, instance.mask, instance.cutout, instance.mask_quality = box, mask, None, quality
    return services.garment_create(photo=photo, instance=instance, status=status)


def state(media_root) -> tuple:
    """Rows of the garments, box requests and photos, and every file with its hash: "nothing changed"."""
    files = {
        str(p.relative_to(media_root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in media_files(media_root)
    }
    rows = (list(Garment.objects.order_by("pk").values()), list(BoxRequest.objects.order_by("pk").values()))
    return rows, files, list(Photo.objects.order_by("pk").values())


def mask_of(garment: Garment) -> np.ndarray:
    """The garment's stored mask, bool (photo height, photo width)."""
    garment.refresh_from_db()
    with garment.mask.open("rb") as fh, Image.open(fh) as img:
        return np.asarray(img.convert("L")) >= 128


def stroke_png(width: int, height: int, *rects, brush: int = 0) -> bytes:
    """A transparent RGBA PNG of ``width`` x ``height`` with opaque white ``rects`` (x0, y0, x1, y1),
    as the page's offscreen canvas makes it."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for r in rects:
        draw.rectangle((r[0], r[1], r[2] - 1, r[3] - 1), fill=(255, 255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def png_upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


class InlineQueue(RecordingQueue):
    """``PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.InlineQueue"``: does the worker's job at once,
    in the calling process, with the process's pipeline (``workers.runtime.get_pipeline``): for the
    browser tests, which need no Celery to show what the pages do."""

    def send(self, photo_id: int) -> None:
        from wardrobe.closet import services
        from workers.runtime import get_pipeline

        super().send(photo_id)
        services.process_photo(photo_id, get_pipeline())

    def send_box(self, request_id: int) -> None:
        from wardrobe.closet import services
        from workers.runtime import get_pipeline

        super().send_box(request_id)
        services.box_request_process(request_id, get_pipeline())

    def send_match(self, request_id: int) -> None:
        from wardrobe.closet import services
        from workers.runtime import get_pipeline

        super().send_match(request_id)
        services.match_request_process(request_id, get_pipeline())

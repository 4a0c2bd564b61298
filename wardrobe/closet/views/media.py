"""Owner-checked files of the closet: a photo, a garment's mask, cutout and picture. Someone else's
id is a 404, like a missing one (see ``wardrobe.core.media`` for authentication and caching)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from wardrobe.closet import services
from wardrobe.closet.models import Garment
from wardrobe.closet.views.lookups import garment_or_404, photo_or_404
from wardrobe.core.media import PRIVATE_MEDIA_CACHE, PrivateMediaView, send_private_file

_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
}


class PhotoImageView(PrivateMediaView):
    """The stored photo (normalised extension), to its owner only."""

    def get(self, request, photo_id: int):
        photo = photo_or_404(request, photo_id)
        ext = "." + photo.image.name.rsplit(".", 1)[-1].lower() if "." in photo.image.name else ""
        return send_private_file(
            request,
            photo.image,
            _CONTENT_TYPES.get(ext, "application/octet-stream"),
            f"photo-{photo.pk}{ext if ext in _CONTENT_TYPES else ''}",
        )


class GarmentMaskView(PrivateMediaView):
    """The garment's 1-bit mask (PNG, photo pixels), to its owner only."""

    def get(self, request, garment_id: int):
        garment = garment_or_404(request, garment_id)
        return send_private_file(request, garment.mask, "image/png", f"garment-{garment.pk}-mask.png")


class GarmentCutoutView(PrivateMediaView):
    """The garment's transparent cutout (RGBA PNG cropped to its box), to its owner only."""

    def get(self, request, garment_id: int):
        garment = garment_or_404(request, garment_id)
        return send_private_file(request, garment.cutout, "image/png", f"garment-{garment.pk}-cutout.png")


class GarmentPictureView(PrivateMediaView):
    """The item's picture: its cutout (PNG), or with ``picture == "photo"`` the original photo
    cropped to the garment's box plus a 5 % margin (JPEG, long side at most 800 pixels)."""

    def get(self, request, garment_id: int):
        garment = garment_or_404(request, garment_id)
        if garment.picture != Garment.Picture.PHOTO:
            return send_private_file(request, garment.cutout, "image/png", f"garment-{garment.pk}.png")
        response = HttpResponse(services.garment_photo_crop(garment=garment, max_side=800), content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="garment-{garment.pk}.jpg"'
        response["X-Content-Type-Options"] = "nosniff"
        patch_cache_control(response, **PRIVATE_MEDIA_CACHE)
        return response

"""Owner-checked files of the closet: a photo, a garment's mask, cutout and picture. Someone else's
id is a 404, like a missing one (see ``wardrobe.core.media`` for authentication and caching)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
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


class GarmentStainMaskView(PrivateMediaView):
    """The stain's 1-bit mask (PNG, photo pixels; issue 17), to its owner only; 404 without one."""

    def get(self, request, garment_id: int):
        garment = garment_or_404(request, garment_id)
        if not garment.stain_mask.name:
            raise Http404("No stain mask.")
        return send_private_file(request, garment.stain_mask, "image/png", f"garment-{garment.pk}-stain-mask.png")


class GarmentStainOutlineView(PrivateMediaView):
    """The stain outlined on a transparent PNG of the garment's box (``services.garment_stain_outline``),
    to lay over its cutout; to its owner only, 404 without a stain mask."""

    def get(self, request, garment_id: int):
        garment = garment_or_404(request, garment_id)
        try:
            data = services.garment_stain_outline(garment=garment)
        except FileNotFoundError:
            raise Http404("No stain mask.")
        response = HttpResponse(data, content_type="image/png")
        response["Content-Disposition"] = f'inline; filename="garment-{garment.pk}-stain.png"'
        response["X-Content-Type-Options"] = "nosniff"
        patch_cache_control(response, **PRIVATE_MEDIA_CACHE)
        return response

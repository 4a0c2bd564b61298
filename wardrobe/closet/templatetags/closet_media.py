"""Versioned file URLs in templates (``wardrobe.closet.picture_urls``): ``{% load closet_media %}``,
then ``{{ photo|image_url }}``, ``{{ garment|mask_url }}``, ``{{ garment|cutout_url }}``,
``{{ garment|picture_url }}``; and ``{{ garment|cutout_poor }}``."""

from __future__ import annotations

from django import template

from wardrobe.closet import picture_urls
from wardrobe.closet.services.garments import mask_is_poor

register = template.Library()

register.filter("image_url", picture_urls.photo_image_url)
register.filter("mask_url", picture_urls.garment_mask_url)
register.filter("cutout_url", picture_urls.garment_cutout_url)
register.filter("picture_url", picture_urls.garment_picture_url)
register.filter("stain_outline_url", picture_urls.garment_stain_outline_url)  # issue 17


@register.filter
def cutout_poor(garment) -> bool:
    """Whether the garment shows the model's mask and the model rates it poor (``mask_is_poor``)."""
    return mask_is_poor(garment.mask_quality) and not garment.mask_edited

"""The stain actions of ``GarmentViewSet`` (issue 17): ``POST /api/garments/{id}/stain/wash/`` (put it in
the wash) and ``POST /api/garments/{id}/stain/dismiss/`` (not a stain). Thin: ``closet.services.attributes``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action

from wardrobe.closet import services
from wardrobe.closet.api import serializers as s

NOT_FOUND = OpenApiResponse(description="Not one of your garments.")


class GarmentStainActions:
    """``POST /api/garments/{id}/stain/wash/`` and ``.../stain/dismiss/``, mixed into ``GarmentViewSet``."""

    @extend_schema(request=None, responses={200: s.GarmentSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="stain/wash")
    def stain_wash(self, request, pk=None):
        """Put the garment in the wash (laundry ``wash``); its stain, if any, counts as handled."""
        return self._garment_response(services.garment_stain_wash(garment=self.get_object()))

    @extend_schema(request=None, responses={200: s.GarmentSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="stain/dismiss")
    def stain_dismiss(self, request, pk=None):
        """Not a stain: the item page stops outlining it (the model's finding stays on record); a
        garment without a found stain is returned unchanged."""
        return self._garment_response(services.garment_stain_dismiss(garment=self.get_object()))

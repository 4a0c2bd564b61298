"""``FastReadMixin`` (wardrobe.core.api.fast) gives exactly DRF's representation, only quicker: real
garments of every kind through ``GarmentSerializer``, compared with DRF's own
``Serializer.to_representation``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.factories import GarmentFactory, PhotoFactory
from wardrobe.closet import selectors, services
from wardrobe.closet.api.serializers import GarmentSerializer
from wardrobe.closet.models import Garment
from wardrobe.core.api.fast import FastReadMixin

pytestmark = pytest.mark.django_db


def test_garments_read_the_same_as_with_drf(user, settings):
    settings.ALLOWED_HOSTS = ["wardrobe.example"]
    photo = PhotoFactory(owner=user)
    plain = GarmentFactory(photo=photo)
    detailed = GarmentFactory(
        photo=photo,
        category="pants",
        type="jeans",
        colors=("blue", "white"),
        name="Ünïcode jeans «x»",
        brand="Brand",
        size="32",
        material="denim",
        price=Decimal("59.90"),
        currency="EUR",
        purchase_date=dt.date(2024, 3, 1),
        notes="line one\nline two",
        seasons=["autumn", "spring"],
        tags=["work", "Travel"],
        warmth_clo=0.31,
    )
    no_type = GarmentFactory(photo=photo, category="dress", type=None, colors=())
    review = GarmentFactory(photo=photo, status=Garment.Status.REVIEW, score=0.2)
    archived = GarmentFactory(photo=photo)
    services.garment_archive(garment=archived, reason="sold")
    services.garments_wear(garments=[plain])

    request = APIRequestFactory().get("/api/garments/", HTTP_HOST="wardrobe.example")
    request.user = user
    context = {"request": Request(request)}
    garments = list(selectors.garment_list(user=user, filters={"state": "all"}))
    assert {g.pk for g in garments} == {plain.pk, detailed.pk, no_type.pk, review.pk, archived.pk}
    ser = GarmentSerializer(garments, many=True, context=context)
    fast = ser.data
    child = GarmentSerializer(context=context)
    drf = [serializers.ModelSerializer.to_representation(child, g) for g in garments]
    assert [dict(row) for row in fast] == drf
    assert [list(row) for row in fast] == [list(row) for row in drf]  # same keys, same order
    # The fast path is taken for plain columns, and only for them.
    plan = {name: field for name, _source, field in child._fast_plan()}
    assert plan["id"] is None and plan["name"] is None and plan["wear_count"] is None
    assert plan["price"] is not None and plan["created_at"] is not None and plan["colors"] is not None
    assert isinstance(child, FastReadMixin)
    row = next(r for r in fast if r["id"] == detailed.pk)
    assert row["price"] == "59.90" and sorted(row["tags"]) == ["Travel", "work"] and row["size"] == "32"
    assert row["picture_url"].startswith("http://wardrobe.example/")


def test_a_page_loaded_without_prefetch_reads_the_same(user, settings, django_assert_max_num_queries):
    """``selectors.garments_load_related`` (what ``GET /api/garments/`` uses) gives each garment the
    colours, seasons and tags a prefetch would, in three queries, and the API shows the same."""
    photo = PhotoFactory(owner=user)
    GarmentFactory(photo=photo, colors=("navy", "white", "red"), seasons=["winter", "spring"], tags=["b", "A", "c"])
    GarmentFactory(photo=photo, category="dress", type=None, colors=())
    GarmentFactory(photo=photo, category="pants", type="jeans", colors=("blue",), tags=["work"])
    prefetched = list(selectors.garment_list(user=user, filters={"state": "all"}))
    plain = list(selectors.garment_list(user=user, filters={"state": "all"}).prefetch_related(None))
    with django_assert_max_num_queries(3):
        loaded = selectors.garments_load_related(plain)
        shown = [(g.color_name_list, g.season_list, g.loaded_tag_names) for g in loaded]
    assert shown == [
        (g.color_name_list, g.season_list, sorted((t.name for t in g.tags.all()), key=str.casefold)) for g in prefetched
    ]
    assert shown[-1] == (["navy", "white", "red"], ["spring", "winter"], ["A", "b", "c"])
    request = APIRequestFactory().get("/api/garments/")
    request.user = user
    context = {"request": Request(request)}
    assert (
        GarmentSerializer(loaded, many=True, context=context).data
        == GarmentSerializer(prefetched, many=True, context=context).data
    )

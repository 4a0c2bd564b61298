"""The garment list kept as rendered JSON (``wardrobe.core.api.raw_json``) and serialized by a serializer
kept for the process (``fast.serialize_many``) sends exactly what DRF would send: the same bytes as DRF's
serializer and renderer give for the same page, before and after an edit, on every page, with an indent
asked for, in the browsable API, and with each request's own host in its URLs. PostgreSQL and Redis."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework import renderers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.factories import GarmentFactory
from wardrobe.closet import selectors
from wardrobe.closet.api.serializers import GarmentSerializer
from wardrobe.closet.models import Garment
from wardrobe.core.api.fast import serialize_many
from wardrobe.core.api.raw_json import RawJSON, page_json, render_json

pytestmark = pytest.mark.django_db


def drf_page(user, host: str, page: int, page_size: int, count: int, base: str) -> bytes:
    """The page as DRF's own serializer (a new one, fields built afresh) and renderer make it."""
    request = APIRequestFactory().get("/api/garments/", HTTP_HOST=host)
    request.user = user
    garments = list(selectors.garments_of(user=user))[(page - 1) * page_size : page * page_size]
    results = GarmentSerializer(garments, many=True, context={"request": Request(request)}).data
    last = (count + page_size - 1) // page_size
    link = f"{base}?page={{}}&page_size={page_size}"
    previous = None if page == 1 else (f"{base}?page_size={page_size}" if page == 2 else link.format(page - 1))
    data = {"count": count, "next": link.format(page + 1) if page < last else None, "previous": previous}
    return renderers.JSONRenderer().render({**data, "results": results})


def test_the_list_sends_the_bytes_drf_would_before_and_after_an_edit(api, user, photo, settings):
    settings.ALLOWED_HOSTS = ["wardrobe.example", "other.example"]
    GarmentFactory(photo=photo, name="Plain")
    detailed = GarmentFactory(
        photo=photo,
        category="pants",
        type="jeans",
        colors=("blue", "white"),
        name="Ünïcode jeans «x» \u2028 line",  # kept as UTF-8; U+2028 escaped as DRF does
        price=Decimal("59.90"),
        currency="EUR",
        seasons=["autumn", "spring"],
        tags=["work"],
        warmth_clo=0.31,
    )
    GarmentFactory(photo=photo, category="dress", type=None, colors=(), status=Garment.Status.REVIEW, score=0.2)
    base = "http://wardrobe.example/api/garments/"

    for _ in range(2):  # built, then read back from the cache
        sent = api.get("/api/garments/", {"page_size": 2}, HTTP_HOST="wardrobe.example")
        assert sent.status_code == 200 and sent["Content-Type"] == "application/json"
        assert sent.content == drf_page(user, "wardrobe.example", 1, 2, 3, base)
    assert "\\u2028" in sent.content.decode() and "Ünïcode" in sent.content.decode()

    Garment.objects.filter(pk=detailed.pk).update(brand="Brand", wear_count=4)  # one garment changed
    sent = api.get("/api/garments/", {"page_size": 2, "page": 2}, HTTP_HOST="wardrobe.example")
    assert sent.content == drf_page(user, "wardrobe.example", 2, 2, 3, base)
    sent = api.get("/api/garments/", {"page_size": 2}, HTTP_HOST="wardrobe.example")
    assert sent.content == drf_page(user, "wardrobe.example", 1, 2, 3, base)
    assert sent.data["results"][1]["brand"] == "Brand"  # what tests and the browsable API read

    # Another host: the kept serializer uses each request's own context, never the first one's.
    other = api.get("/api/garments/", {"page_size": 2}, HTTP_HOST="other.example")
    assert other.content == drf_page(user, "other.example", 1, 2, 3, "http://other.example/api/garments/")
    assert "wardrobe.example" not in other.content.decode()


def test_an_indent_or_the_browsable_api_gets_the_same_data(api, user, photo):
    GarmentFactory(photo=photo, name="Indented shirt")
    compact = api.get("/api/garments/").content
    indented = api.get("/api/garments/", HTTP_ACCEPT="application/json; indent=2")
    assert indented.status_code == 200 and indented.content.startswith(b'{\n  "count": 1')
    assert json.loads(indented.content) == json.loads(compact)

    api.force_authenticate(user)  # the browsable API renders forms that need a session-less user
    html = api.get("/api/garments/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert "Indented shirt" in html.content.decode()


def test_serialize_many_keeps_no_context_and_equals_drf(user, photo, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    garment = GarmentFactory(photo=photo, name="Coat")
    rows = {}
    for host in ("a.example", "b.example"):
        request = APIRequestFactory().get("/", HTTP_HOST=host)
        request.user = user
        context = {"request": Request(request)}
        rows[host] = serialize_many(GarmentSerializer, [garment], context=context)[0]
        assert rows[host] == GarmentSerializer(garment, context=context).data
    assert rows["a.example"]["cutout_url"].startswith("http://a.example/")
    assert rows["b.example"]["cutout_url"].startswith("http://b.example/")


def test_page_json_joins_rendered_items_as_drf_renders_the_page():
    items = [{"id": 1, "name": "é"}, {"id": 2, "name": None}]
    envelope = {"count": 2, "next": None, "previous": None, "results": []}
    assert page_json(envelope, [render_json(i) for i in items]) == render_json({**envelope, "results": items})
    assert page_json(envelope, []) == render_json(envelope)
    with pytest.raises(ValueError, match="results"):
        page_json({"results": [], "count": 0}, [])
    raw = RawJSON(render_json({**envelope, "results": items}))
    assert raw["results"][0]["name"] == "é" and len(raw) == 4 and dict(raw) == {**envelope, "results": items}

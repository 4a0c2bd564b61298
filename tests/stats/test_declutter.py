"""Declutter (issue 18): the candidates (unworn for a period, worn rarely for their price) and
archiving several at once as donated or sold, all or nothing, through the API and the page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import api_client_for
from tests.stats.closet import small_closet
from wardrobe.closet.models import Garment
from wardrobe.stats.declutter import declutter_costly, declutter_unworn

pytestmark = pytest.mark.django_db


@pytest.fixture
def closet():
    return small_closet()


def _pks(qs):
    return [g.pk for g in qs]


def test_unworn_candidates_by_period(closet):
    c, user = closet, closet["user"]
    # never worn first (owned longest first), then by last wear; the dress (10 days) is too new.
    assert _pks(declutter_unworn(user=user, days=30)) == [c["shoes"].pk, c["jeans"].pk]
    assert _pks(declutter_unworn(user=user, days=90)) == [c["shoes"].pk, c["jeans"].pk]
    assert _pks(declutter_unworn(user=user, days=180)) == [c["jeans"].pk]
    assert _pks(declutter_unworn(user=user, days=365)) == []


def test_costly_candidates_by_threshold_or_top(closet):
    c, user = closet, closet["user"]
    top, currency = declutter_costly(user=user, top=1)
    assert currency == "KRW" and _pks(top) == [c["jeans"].pk]
    assert _pks(declutter_costly(user=user)[0]) == [c["jeans"].pk, c["shirt"].pk]  # the dress is in USD
    assert _pks(declutter_costly(user=user, max_cost_per_wear=Decimal("20000"))[0]) == [c["jeans"].pk]
    assert _pks(declutter_costly(user=user, max_cost_per_wear=Decimal("5000"))[0]) == [c["jeans"].pk, c["shirt"].pk]
    assert _pks(declutter_costly(user=user, max_cost_per_wear=Decimal("90000"))[0]) == []


def test_api_lists_candidates(closet):
    client = api_client_for(closet["user"])
    body = client.get("/api/declutter/", {"days": 180, "max_cost_per_wear": "20000"}).json()
    assert body["days"] == 180 and body["unworn_count"] == 1 and body["currency"] == "KRW"
    assert [i["id"] for i in body["unworn"]] == [closet["jeans"].pk]
    assert [i["id"] for i in body["costly"]] == [closet["jeans"].pk]
    assert body["costly"][0]["cost_per_wear"] == "90000.00"
    for bad in ({"days": 45}, {"top": 0}, {"max_cost_per_wear": "-1"}, {"limit": "x"}):
        r = client.get("/api/declutter/", bad)
        assert r.status_code == 400, (bad, r.content)
        assert set(r.json()) & {next(iter(bad))}


def _statuses(*garments):
    return [Garment.objects.get(pk=g.pk).status for g in garments]


def test_api_archives_in_bulk_as_donated(closet):
    c = closet
    r = api_client_for(c["user"]).post(
        "/api/declutter/archive/", {"ids": [c["shoes"].pk, c["jeans"].pk], "reason": "donated"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json() == {"archived": 2, "reason": "donated"}
    for g in (c["shoes"], c["jeans"]):
        g.refresh_from_db()
        assert (g.status, g.archive_reason) == ("archived", "donated") and g.archived_at is not None
    assert _statuses(c["shirt"], c["dress"]) == ["closet", "closet"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "donated", "other": True}, "ids"),  # another user's id among them
        ({"reason": "lost"}, "reason"),  # declutter lets go as donated or sold only
        ({"reason": "burnt"}, "reason"),
        ({"reason": "sold", "waiting": True}, "archive"),  # an item still waiting for review
        ({"reason": "sold", "ids": []}, "ids"),
        ({"reason": "sold", "ids": ["x"]}, "ids"),
    ],
)
def test_api_refuses_and_archives_nothing(closet, body, field):
    c = closet
    ids = [c["shoes"].pk, c["jeans"].pk]
    if body.pop("other", False):
        ids.append(c["other"].pk)
    if body.pop("waiting", False):
        ids.append(c["waiting"].pk)
    ids = body.pop("ids", ids)
    r = api_client_for(c["user"]).post("/api/declutter/archive/", {"ids": ids, **body}, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json(), r.json()
    assert _statuses(c["shoes"], c["jeans"], c["waiting"], c["other"]) == ["closet", "closet", "review", "closet"]


def test_the_page_lists_and_archives_as_sold(client, closet):
    c = closet
    client.force_login(c["user"])
    r = client.get("/declutter/", {"days": 180, "top": 5})
    assert r.status_code == 200
    html = r.content.decode()
    assert f'id="unworn-{c["jeans"].pk}"' in html and f'id="unworn-{c["shoes"].pk}"' not in html
    assert f'id="costly-{c["jeans"].pk}"' in html and f'id="costly-{c["shirt"].pk}"' in html
    assert "Not mine" not in html
    assert client.get("/declutter/", {"days": 45}).status_code == 400
    r = client.post(
        "/declutter/archive/", {"ids": [c["jeans"].pk, c["shirt"].pk], "reason": "sold", "next": "/declutter/?days=180"}
    )
    assert r.status_code == 302 and r["Location"] == "/declutter/?days=180"
    assert _statuses(c["jeans"], c["shirt"]) == ["archived", "archived"]
    assert Garment.objects.get(pk=c["jeans"].pk).archive_reason == "sold"
    page = client.get("/declutter/?days=180").content.decode()
    assert "2 items let go" in page


def test_the_page_refuses_another_users_item(client, closet):
    c = closet
    client.force_login(c["user"])
    r = client.post("/declutter/archive/", {"ids": [c["shoes"].pk, c["other"].pk], "reason": "donated"}, follow=True)
    assert r.status_code == 200
    assert "Nothing was changed" in r.content.decode()
    assert _statuses(c["shoes"], c["other"]) == ["closet", "closet"]
    r = client.post("/declutter/archive/", {"ids": [c["shoes"].pk], "reason": "lost"}, follow=True)
    assert _statuses(c["shoes"]) == ["closet"]

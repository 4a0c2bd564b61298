"""Statistics (issue 18): every figure of ``wardrobe.stats.selectors.closet_stats`` on a small closet
of known figures (``tests.stats.closet``) on PostgreSQL, the API's shape, and the page in English and
Korean."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.conftest import api_client_for
from tests.stats.closet import ago, small_closet
from wardrobe.stats.selectors import closet_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def closet():
    return small_closet()


def _ids(rows):
    return [r["id"] for r in rows]


def test_every_figure_of_the_overview(closet):
    s = closet_stats(user=closet["user"])
    c = closet
    assert s["currency"] == "KRW"
    assert s["totals"] == {
        "items": 4,  # shirt, jeans, shoes, dress: not the archived tee, not the hat in review, not others'
        "priced": 3,
        "worn": 2,
        "never_worn": 2,
        "wears": 4,
        "unworn_30": 2,  # jeans (200 days), shoes (owned 100 days, never worn); not the dress (10 days)
        "unworn_90": 2,
        "unworn_180": 1,  # jeans
    }
    assert s["unworn"] == [{"days": 30, "count": 2}, {"days": 90, "count": 2}, {"days": 180, "count": 1}]
    assert {r["slug"]: r["count"] for r in s["sections"]} == {"tops": 1, "bottoms": 1, "shoes": 1, "one-pieces": 1}
    assert {r["slug"]: r["count"] for r in s["categories"]} == {"shirt-blouse": 1, "pants": 1, "shoe": 1, "dress": 1}
    assert {r["name"]: r["count"] for r in s["colors"]} == {"navy": 1, "black": 1, "white": 1, "red": 1}
    assert {r["slug"]: r["count"] for r in s["seasons"]} == {"spring": 1, "summer": 0, "autumn": 1, "winter": 1, "": 2}
    assert s["value"] == {
        "currency": "KRW",
        "total": Decimal("120000.00"),
        "items": 2,
        "other_currencies": [{"currency": "USD", "total": Decimal("50.00"), "items": 1}],
    }
    # Spending: by purchase date, else the day added; the archived tee counts, the USD dress and the
    # shirt bought 400 days ago (before the 12 months) do not.
    assert len(s["spending"]) == 12
    spent = {r["month"]: r["total"] for r in s["spending"] if r["total"]}
    assert spent == {
        ago(300).strftime("%Y-%m"): Decimal("90000.00"),
        ago(0).strftime("%Y-%m"): Decimal("20000.00"),
    }
    # Wears per month: the log of this user (the archived tee's wear too), none of the other user's.
    expected = Counter(ago(d).strftime("%Y-%m") for d in (1, 40, 100, 200, 5))
    assert {r["month"]: r["wears"] for r in s["wears"] if r["wears"]} == dict(expected)
    assert [r["month"] for r in s["wears"]][-1] == ago(0).strftime("%Y-%m")
    cpw = s["cost_per_wear"]
    assert cpw["average"] == Decimal("30000.00")  # (30,000 + 90,000) / (3 + 1)
    assert _ids(cpw["best"]) == [c["shirt"].pk, c["jeans"].pk]
    assert _ids(cpw["worst"]) == [c["jeans"].pk, c["shirt"].pk]
    assert cpw["best"][0]["cost_per_wear"] == Decimal("10000.00")
    assert cpw["worst"][0]["cost_per_wear"] == Decimal("90000.00")
    assert _ids(s["most_worn"]) == [c["shirt"].pk, c["jeans"].pk]
    assert _ids(s["least_worn"]) == [c["jeans"].pk, c["shirt"].pk]
    assert _ids(s["never_worn"]) == [c["shoes"].pk, c["dress"].pk]  # owned longest first
    assert s["most_worn"][0]["url"] == reverse("closet:garment-detail", args=[c["shirt"].pk])


def test_an_empty_closet_has_zeros(django_user_model):
    from tests.factories import UserFactory

    s = closet_stats(user=UserFactory(username="empty"))
    assert s["totals"]["items"] == 0 and s["totals"]["wears"] == 0
    assert s["value"]["total"] == 0 and s["cost_per_wear"]["average"] is None
    assert s["most_worn"] == [] and s["colors"] == []
    assert sum(r["wears"] for r in s["wears"]) == 0 and len(s["spending"]) == 12


def test_api_shape_and_scope(closet):
    client = api_client_for(closet["user"])
    r = client.get("/api/stats/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {
        "currency",
        "today",
        "totals",
        "sections",
        "categories",
        "colors",
        "seasons",
        "value",
        "spending",
        "wears",
        "cost_per_wear",
        "most_worn",
        "least_worn",
        "never_worn",
        "unworn",
    }
    assert body["value"]["total"] == "120000.00" and body["value"]["other_currencies"][0]["currency"] == "USD"
    assert body["cost_per_wear"]["worst"][0] == {
        "id": closet["jeans"].pk,
        "label": "Black jeans",
        "kind": "Jeans",
        "wear_count": 1,
        "last_worn_on": ago(200).isoformat(),
        "price": "90000.00",
        "currency": "KRW",
        "cost_per_wear": "90000.00",
        "url": f"/garments/{closet['jeans'].pk}/",
    }
    assert body["totals"]["items"] == 4
    other = api_client_for(closet["other_user"]).get("/api/stats/").json()
    assert other["totals"]["items"] == 1 and other["value"]["total"] == "999.00"
    assert closet["shirt"].pk not in [i["id"] for i in other["most_worn"]]
    assert client.__class__().get("/api/stats/").status_code in (401, 403)


def test_api_is_in_the_schema(closet):
    schema = api_client_for(closet["user"]).get("/api/schema/?format=json").json()
    assert "/api/stats/" in schema["paths"]
    ref = schema["paths"]["/api/stats/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/Stats")
    props = schema["components"]["schemas"]["Stats"]["properties"]
    assert {"totals", "value", "spending", "wears", "cost_per_wear", "unworn"} <= set(props)
    assert {"/api/declutter/", "/api/declutter/archive/"} <= set(schema["paths"])


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Statistics", "Items by section", "Show as a table", "Worst value"]),
        ("ko", ["통계", "섹션별 옷", "표로 보기"]),
    ],
)
def test_the_page_in_english_and_korean(client, closet, language, words):
    client.force_login(closet["user"])
    r = client.get("/stats/", HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 200
    html = r.content.decode()
    for word in words:
        assert word in html
    assert 'id="stats-data" type="application/json"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/stats.js" in html
    assert "<script>" not in html  # the CSP allows no inline script
    assert f'href="/garments/{closet["jeans"].pk}/"' in html  # lists link to the items
    assert "Not mine" not in html
    for key in ("sections", "categories", "colors", "seasons", "spending", "wears"):
        assert f'id="table-{key}"' in html and f'data-chart="{key}"' in html
    declutter = client.get("/declutter/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    heading = {"en": "Worn rarely for their price", "ko": "가격에 비해 드물게 입은 옷"}[language]
    assert (
        heading in declutter and {"en": "Archive the ticked items", "ko": "선택한 옷 보관하기"}[language] in declutter
    )


def test_the_page_needs_a_login(client):
    r = client.get("/stats/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]

"""Suggestions read the garments' attributes (issue 17): a closet of garments written by
``closet.services.garment_create`` with the ``pattern`` the attribute stage found gets at most one
patterned piece per outfit, unless the person's ``mix_patterns`` preference (settings page,
``/api/me/settings/``) says otherwise. The rule itself: ``test_weather_rules``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.services import profile_update
from tests.closet.test_attributes import make_garment
from vocabulary.attributes import PATTERNED
from wardrobe.suggestions import services
from wardrobe.weather.forecast import DayForecast

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 10)
MILD = DayForecast(
    date=DAY, temp_min_c=18.0, temp_max_c=24.0, precipitation_mm=0.0, precipitation_probability=0,
    weather_code=1, source="manual",
)  # fmt: skip


def _closet(user) -> None:
    """Two patterned tops, two patterned jeans and sneakers, each from its own fixture photo (the
    same photo twice would be "You already own this" and wait for review)."""
    tops = {"ccp_0008.jpg": "striped", "ccp_0016.jpg": "floral"}
    for image, pattern in tops.items():
        make_garment(user, attributes={"pattern": (pattern, 0.95), "sleeve": ("short", 0.95)}, image=image)
    for image, pattern in {"clothing_pants.jpg": "checked", "clothing_dress.jpg": "dotted"}.items():
        make_garment(user, category="pants", type="jeans", attributes={"pattern": (pattern, 0.95)}, image=image)
    make_garment(user, category="shoe", type="sneakers", image="clothing_shoes.jpg")


def _patterned_counts(user) -> list[int]:
    found = services.suggest(user=user, forecast=MILD, count=3, today=DAY)
    assert found, found.reason
    return [sum(g.pattern in PATTERNED for g in s.garments) for s in found]


def test_at_most_one_patterned_piece_unless_the_person_mixes_patterns(user):
    _closet(user)
    # Only patterned tops and bottoms: no outfit can be made without mixing.
    assert services.suggest(user=user, forecast=MILD, count=3, today=DAY) == []
    profile_update(user=user, mix_patterns=True)
    counts = _patterned_counts(user)
    assert len(counts) >= 2 and all(n == 2 for n in counts)
    make_garment(
        user, category="pants", type="jeans", attributes={"pattern": ("solid", 0.9)}, image="clothing_tshirt.jpg"
    )
    profile_update(user=user, mix_patterns=False)
    counts = _patterned_counts(user)
    assert counts and all(n <= 1 for n in counts)


def test_the_preference_is_on_the_settings_page_and_the_api(client, api, user):
    client.force_login(user)
    assert 'name="mix_patterns"' in client.get(reverse("preferences:settings")).content.decode()
    r = api.patch("/api/me/settings/", {"mix_patterns": True}, format="json")
    assert r.status_code == 200 and r.json()["mix_patterns"] is True
    user.profile.refresh_from_db()
    assert user.profile.mix_patterns is True

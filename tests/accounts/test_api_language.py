"""API clients with a token get the language the user saved, as a signed-in browser does (the web
pages' ``UserLanguageMiddleware`` runs before DRF authenticates a token), on PostgreSQL."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Profile
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

ENGLISH = "Unknown colour “bogus”."
KOREAN = "알 수 없는 색상이에요: “bogus”."


def _colour_error(client: APIClient, accept: str) -> tuple[str, str]:
    r = client.get("/api/garments/", {"color": "bogus"}, HTTP_ACCEPT_LANGUAGE=accept)
    assert r.status_code == 400
    return r.json()["color"][0], r["Content-Language"]


def test_a_token_client_gets_the_saved_language_over_accept_language(user):
    api = api_client_for(user)
    assert _colour_error(api, "en") == (ENGLISH, "en")  # nothing saved: Accept-Language decides
    assert _colour_error(api, "ko") == (KOREAN, "ko")
    Profile.objects.filter(user=user).update(language="ko")
    api = api_client_for(type(user).objects.get(pk=user.pk))
    assert _colour_error(api, "en") == (KOREAN, "ko")
    assert _colour_error(api, "ko") == (KOREAN, "ko")


def test_the_saved_language_stays_with_its_request(user, other_user):
    Profile.objects.update_or_create(user=user, defaults={"language": "ko"})
    assert _colour_error(api_client_for(user), "en") == (KOREAN, "ko")
    assert _colour_error(api_client_for(other_user), "en") == (ENGLISH, "en")  # the next request: its own
    bad = APIClient(HTTP_AUTHORIZATION="Token not-a-token")
    r = bad.get("/api/garments/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 401 and r["Content-Language"] == "en"

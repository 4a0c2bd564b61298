"""Every answer under ``/api/`` is JSON, errors included: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(400), an unhandled exception such as a database outage (500), a URL that matches no route (404), a
403 raised outside DRF; pages keep their HTML error pages."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.authentication import TokenAuthentication
from accounts.services import token_get_or_create

pytestmark = pytest.mark.django_db


def _json(response) -> dict:
    assert response["Content-Type"] == "application/json", (response.status_code, response.content[:300])
    return json.loads(response.content)


def _client(user, **extra) -> Client:
    """Django's test client as a real server answers: an exception becomes the 500 handler's answer."""
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=user)}", **extra)


def test_oversized_json_body_is_a_json_400(user, garment, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"notes": "x" * 5000})
    r = _client(user).patch(f"/api/garments/{garment.pk}/", body, content_type="application/json")
    assert r.status_code == 400
    assert "too large" in _json(r)["detail"]
    garment.refresh_from_db()
    assert garment.notes != "x" * 5000


def test_a_form_body_with_too_many_fields_is_a_json_400(user, garment, settings):
    from urllib.parse import urlencode

    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    body = urlencode([("seasons", "winter")] * 10)
    r = _client(user).patch(f"/api/garments/{garment.pk}/", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "too many fields" in _json(r)["detail"]


def test_oversized_body_message_is_in_the_users_language(user, garment, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"notes": "x" * 5000})
    r = _client(user, HTTP_ACCEPT_LANGUAGE="ko").patch(
        f"/api/garments/{garment.pk}/", body, content_type="application/json"
    )
    with translation.override("ko"):
        expected = translation.gettext("The request body is too large.")
    assert r.status_code == 400 and _json(r)["detail"] == expected != "The request body is too large."


def test_a_database_outage_is_a_json_503_with_retry_after(user, monkeypatch):
    def outage(self, key):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(TokenAuthentication, "authenticate_credentials", outage)
    client = _client(user)
    for method, url in (("get", "/api/garments/"), ("post", "/api/photos/"), ("get", "/api/me/settings/")):
        r = getattr(client, method)(url)
        assert r.status_code == 503 and r["Retry-After"] == "30", url
        assert _json(r)["detail"] == "The closet cannot be reached right now. Try again in a minute.", url
    korean = client.get("/api/garments/", HTTP_ACCEPT_LANGUAGE="ko")
    assert _json(korean)["detail"] == "지금은 옷장에 연결할 수 없습니다. 1분 뒤에 다시 시도해 주세요."


def test_a_database_outage_on_a_page_is_a_503_page(user, monkeypatch):
    from django.test import Client

    from accounts import backends

    client = Client(raise_request_exception=False)

    def outage(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    client.force_login(user)
    monkeypatch.setattr(backends.ModelBackend, "get_user", outage)
    r = client.get("/closet/")
    assert r.status_code == 503 and r["Retry-After"] == "30"
    page = r.content.decode()
    assert "Back in a minute" in page and "shutting down" not in page


def test_an_exception_in_a_view_is_a_json_500_under_api_and_the_html_page_elsewhere(user, monkeypatch, client):
    from accounts import api

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.services, "user_create", boom)
    anonymous = Client(raise_request_exception=False)
    payload = {"username": "dave", "password": "plaid-wool-overcoat-1987", "password2": "plaid-wool-overcoat-1987"}
    r = anonymous.post("/api/auth/signup/", payload, content_type="application/json")
    assert r.status_code == 500 and _json(r)["detail"]
    monkeypatch.setattr("accounts.views.services.user_create", boom)
    r = anonymous.post(reverse("accounts:signup"), {**payload, "password1": payload["password"]})
    assert r.status_code == 500 and r["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in r.content


@pytest.mark.parametrize("url", ["/api/no-such-thing/", "/api/garments/abc/", "/api/garments/999999/"])
def test_a_url_under_api_matching_nothing_is_a_json_404(user, url):
    r = _client(user).get(url)
    assert r.status_code == 404 and _json(r)["detail"]


def test_pages_keep_their_html_error_pages(user):
    r = _client(user).get("/no-such-page/")
    assert r.status_code == 404 and r["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "exc,status", [(SuspiciousOperation("bad"), 400), (PermissionDenied(), 403), (RuntimeError("boom"), 500)]
)
def test_error_handlers_answer_json_under_api_and_html_elsewhere(rf, exc, status):
    """The root URLconf's ``handler400/403/404/500`` (used for errors raised outside DRF's views, by
    middleware for example)."""
    from django.urls import get_resolver

    resolver = get_resolver()
    for path, json_wanted in (("/api/garments/", True), ("/closet/", False)):
        request = rf.get(path)
        handler = resolver.resolve_error_handler(status)
        r = handler(request) if status == 500 else handler(request, exc)
        assert r.status_code == status
        if json_wanted:
            assert r["Content-Type"] == "application/json" and json.loads(r.content)["detail"], path
        else:
            assert r["Content-Type"].startswith("text/html"), path

"""Changing the password and signing out everywhere end the user's other sessions and API tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import token_get_or_create

pytestmark = pytest.mark.django_db

ALICE_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "tweed-jacket-elbow-patch-1962"


def _signed_in(user) -> Client:
    """A browser with a session of ``user`` (as after the login form)."""
    c = Client()
    c.force_login(user)
    assert c.get(reverse("closet:closet")).status_code == 200
    return c


def _is_signed_in(c: Client) -> bool:
    return c.get(reverse("closet:closet")).status_code == 200


def _token_client(key: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


def _too_short_message(language: str) -> str:
    with translation.override(language):
        return str(MinimumLengthValidator().get_error_message())


# --- POST /api/me/password/ -----------------------------------------------------------------------


def test_api_password_change_gives_a_new_token_and_ends_every_other_token_and_session(user):
    old_key = token_get_or_create(user=user)
    api, browser, phone = _token_client(old_key), _signed_in(user), _signed_in(user)
    r = api.post("/api/me/password/", {"old_password": ALICE_PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert r.status_code == 200, r.content
    new_key = r.json()["token"]
    assert new_key and new_key != old_key
    assert api.get("/api/me/settings/").status_code == 401  # the old token is gone
    assert _token_client(new_key).get("/api/me/settings/").status_code == 200
    assert not _is_signed_in(browser) and not _is_signed_in(phone)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(ALICE_PASSWORD)
    # The token endpoint gives the new key for the new password, nothing for the old one.
    c = APIClient()
    r = c.post("/api/auth/token/", {"username": "alice", "password": NEW_PASSWORD}, format="json")
    assert r.json()["token"] == new_key
    assert c.post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}).status_code == 400


def test_api_password_change_from_the_browser_keeps_that_session_only(user, other_user):
    other_key = token_get_or_create(user=other_user)
    others_browser = _signed_in(other_user)
    browser, phone = _signed_in(user), _signed_in(user)
    old_key = token_get_or_create(user=user)
    r = browser.post(
        "/api/me/password/",
        {"old_password": ALICE_PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert _is_signed_in(browser) and not _is_signed_in(phone)
    assert _token_client(old_key).get("/api/me/settings/").status_code == 401
    # Other users keep everything.
    assert _is_signed_in(others_browser) and _token_client(other_key).get("/api/me/settings/").status_code == 200


@pytest.mark.parametrize(
    "body,field",
    [
        ({"old_password": "wrong", "new_password": NEW_PASSWORD}, "old_password"),
        ({"old_password": ALICE_PASSWORD, "new_password": "123"}, "new_password"),
        ({"old_password": ALICE_PASSWORD, "new_password": "alice"}, "new_password"),
        ({"old_password": ALICE_PASSWORD}, "new_password"),
        ({"new_password": NEW_PASSWORD}, "old_password"),
    ],
)
def test_api_password_change_refuses_a_wrong_old_or_weak_new_password(user, body, field):
    key = token_get_or_create(user=user)
    browser = _signed_in(user)
    r = _token_client(key).post("/api/me/password/", body, format="json")
    assert r.status_code == 400 and r.json()[field], r.content
    user.refresh_from_db()
    assert user.check_password(ALICE_PASSWORD)
    assert _token_client(key).get("/api/me/settings/").status_code == 200 and _is_signed_in(browser)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_api_password_change_messages_are_in_the_users_language(user, language):
    api = _token_client(token_get_or_create(user=user))
    r = api.post(
        "/api/me/password/",
        {"old_password": ALICE_PASSWORD, "new_password": "12345"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert r.status_code == 400
    assert _too_short_message(language) in r.json()["new_password"]
    if language == "ko":
        assert _too_short_message("ko") != _too_short_message("en")


def test_wrong_old_passwords_count_towards_the_lockout(user, settings):
    api = _token_client(token_get_or_create(user=user))
    body = {"old_password": "wrong", "new_password": NEW_PASSWORD}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post("/api/me/password/", body, format="json").status_code == 400
    assert api.post("/api/me/password/", body, format="json").status_code == 429
    r = api.post("/api/me/password/", {**body, "old_password": ALICE_PASSWORD}, format="json")
    assert r.status_code == 429 and r["Retry-After"]
    user.refresh_from_db()
    assert user.check_password(ALICE_PASSWORD)


def test_api_password_change_needs_a_signed_in_user():
    r = APIClient().post("/api/me/password/", {"old_password": "x", "new_password": NEW_PASSWORD}, format="json")
    assert r.status_code == 401


# --- the password page ----------------------------------------------------------------------------


def test_password_page_changes_the_password_and_signs_out_everywhere_else(user):
    key = token_get_or_create(user=user)
    browser, phone = _signed_in(user), _signed_in(user)
    settings_page = browser.get(reverse("preferences:settings")).content.decode()
    assert reverse("accounts:password") in settings_page
    page = browser.get(reverse("accounts:password"))
    body = page.content.decode()
    assert page.status_code == 200
    assert all(f'name="{name}"' in body for name in ("old_password", "new_password1", "new_password2"))
    r = browser.post(
        reverse("accounts:password"),
        {"old_password": ALICE_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert r.status_code == 200 and "Your password was changed" in r.content.decode()
    assert _is_signed_in(browser) and not _is_signed_in(phone)
    assert _token_client(key).get("/api/me/settings/").status_code == 401
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_password_page_shows_the_errors_in_the_users_language(user, language):
    browser = _signed_in(user)
    r = browser.post(
        reverse("accounts:password"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    from django.contrib.auth.forms import PasswordChangeForm

    with translation.override(language):
        wrong = str(PasswordChangeForm.error_messages["password_incorrect"])
    assert r.status_code == 400 and wrong in r.content.decode()
    r = browser.post(
        reverse("accounts:password"),
        {"old_password": ALICE_PASSWORD, "new_password1": "12345", "new_password2": "12345"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert r.status_code == 400 and _too_short_message(language) in r.content.decode()
    user.refresh_from_db()
    assert user.check_password(ALICE_PASSWORD) and _is_signed_in(browser)


def test_password_page_needs_a_signed_in_user(client):
    r = client.get(reverse("accounts:password"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


# --- sign out everywhere --------------------------------------------------------------------------


def test_api_logout_all_ends_every_token_and_session(user, other_user):
    key = token_get_or_create(user=user)
    other_key = token_get_or_create(user=other_user)
    browser, others_browser = _signed_in(user), _signed_in(other_user)
    api = _token_client(key)
    assert api.post("/api/auth/logout-all/").status_code == 204
    assert api.get("/api/me/settings/").status_code == 401
    assert not Token.objects.filter(user=user).exists()
    assert not _is_signed_in(browser)
    assert _is_signed_in(others_browser) and _token_client(other_key).get("/api/me/settings/").status_code == 200
    # Logging in again gives a new token.
    r = APIClient().post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}, format="json")
    assert r.status_code == 200 and r.json()["token"] != key
    assert APIClient().post("/api/auth/logout-all/").status_code == 401


def test_api_logout_all_from_the_browser_ends_that_session_too(user):
    browser, phone = _signed_in(user), _signed_in(user)
    assert browser.post("/api/auth/logout-all/").status_code == 204
    assert not _is_signed_in(browser) and not _is_signed_in(phone)


def test_sign_out_everywhere_button(user):
    key = token_get_or_create(user=user)
    browser, phone = _signed_in(user), _signed_in(user)
    for page in (reverse("preferences:settings"), reverse("accounts:password")):
        assert f'action="{reverse("accounts:logout-all")}"' in browser.get(page).content.decode()
    assert browser.get(reverse("accounts:logout-all")).status_code == 405
    r = browser.post(reverse("accounts:logout-all"), follow=True)
    assert r.redirect_chain[-1][0] == reverse("accounts:login")
    assert "signed out everywhere" in r.content.decode()
    assert not _is_signed_in(browser) and not _is_signed_in(phone)
    assert _token_client(key).get("/api/me/settings/").status_code == 401
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_password_and_logout_all_are_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    change = schema["paths"]["/api/me/password/"]["post"]
    assert {"200", "400", "401", "429"} <= set(change["responses"])
    ref = change["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert sorted(schema["components"]["schemas"][ref]["required"]) == ["new_password", "old_password"]
    ok = change["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "token" in schema["components"]["schemas"][ok]["properties"]
    logout_all = schema["paths"]["/api/auth/logout-all/"]["post"]
    assert {"204", "401"} <= set(logout_all["responses"]) and "requestBody" not in logout_all

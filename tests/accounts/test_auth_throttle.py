"""The web login and sign-up forms are rate limited like the API's auth endpoints (scope ``auth``,
``THROTTLE_AUTH_RATE`` per client address, one counter for pages and API), and the lockout counts
per username AND address, so nobody can lock a user out from an address of their own."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import REPO

pytestmark = pytest.mark.django_db

ALICE_PASSWORD = "correct horse battery staple"
STRONG = "plaid-wool-overcoat-1987"
RATE = 3


@pytest.fixture
def auth_rate(monkeypatch):
    """``THROTTLE_AUTH_RATE`` = 3/min for this test (DRF binds the rates dict at import: patch it)."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", f"{RATE}/min")


def _login(client, username="alice", password="wrong", **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def _signup(client, username, **extra):
    data = {"username": username, "password1": STRONG, "password2": STRONG}
    return client.post(reverse("accounts:signup"), data, **extra)


def _assert_throttled_page(r, language: str) -> None:
    assert r.status_code == 429, r.status_code
    assert 0 < int(r["Retry-After"]) <= 60
    body = r.content.decode()
    assert f'<html lang="{language}">' in body and 'id="throttled"' in body
    with translation.override(language):
        title = translation.gettext("Too many attempts")
    assert title in body
    if language == "ko":
        assert title != "Too many attempts" and "초" in body  # "seconds" in Korean
    else:
        assert "second" in body


@pytest.mark.parametrize("language", ["en", "ko"])
def test_web_login_is_throttled_per_address(auth_rate, user, language):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    usernames = [f"someone{i}" for i in range(RATE)]  # spraying: a different username each time
    for name in usernames:
        assert _login(c, name).status_code == 200
    _assert_throttled_page(_login(c, "alice", ALICE_PASSWORD), language)  # even the right password
    assert "_auth_user_id" not in c.session
    # Reading the page is not counted, and another address still logs in.
    assert c.get(reverse("accounts:login")).status_code == 200
    assert _login(Client(REMOTE_ADDR="10.1.2.3"), "alice", ALICE_PASSWORD).status_code == 302


@pytest.mark.parametrize("language", ["en", "ko"])
def test_web_sign_up_is_throttled_per_address(auth_rate, user, language):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    # Probing which usernames exist (case-insensitively) is slowed down to the auth rate.
    for name in ("Alice", "ALICE", "aLiCe"):
        r = _signup(c, name)
        assert r.status_code == 200 and "username" in r.context["form"].errors
    _assert_throttled_page(_signup(c, "carol"), language)
    assert not get_user_model().objects.filter(username="carol").exists()
    assert _signup(Client(REMOTE_ADDR="10.1.2.3"), "carol").status_code == 302


def test_pages_and_api_share_one_auth_counter_per_address(auth_rate, user):
    c = Client()
    for _ in range(RATE - 1):
        _login(c)
    api = APIClient()
    assert api.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json").status_code == 400
    r = api.post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}, format="json")
    assert r.status_code == 429  # the API is throttled as it was (JSON, DRF's message)
    assert "throttled" in r.json()["detail"].lower()
    assert _login(c).status_code == 429


def test_the_throttle_follows_the_proxy_setting(auth_rate, user, settings):
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    behind = Client(REMOTE_ADDR="10.0.0.2")  # the proxy
    for i in range(RATE):
        assert _login(behind, f"u{i}", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200
    assert _login(behind, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # Each client behind the proxy has its own counter; the proxy's address is not throttled as one.
    assert _login(behind, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200
    # A client cannot dodge its counter by claiming another address left of the proxy's entry.
    assert _login(behind, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9").status_code == 429


def test_no_rate_no_throttle(monkeypatch, user):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", None)
    c = Client()
    assert all(_login(c, f"x{i}").status_code == 200 for i in range(15))


# --- the lockout: username AND address ------------------------------------------------------------


def test_an_attacker_cannot_lock_the_owner_out_from_another_address(user, settings):
    attacker, owner = Client(REMOTE_ADDR="203.0.113.66"), Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(attacker).status_code == 200
    assert _login(attacker).status_code == 429  # the attacker's address is locked for alice ...
    assert _login(attacker, password=ALICE_PASSWORD).status_code == 429  # ... even with her password
    r = _login(owner, password=ALICE_PASSWORD)  # ... but alice logs in from her own address
    assert r.status_code == 302 and owner.session["_auth_user_id"] == str(user.pk)
    api = APIClient(REMOTE_ADDR="198.51.100.21")
    assert api.post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}).status_code == 200
    locked = APIClient(REMOTE_ADDR="203.0.113.66")
    assert locked.post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}).status_code == 429


def test_behind_a_proxy_the_lockout_counts_the_clients_address(user, settings):
    """With ``NUM_PROXIES`` set, clients behind one proxy are told apart: an attacker there does not
    lock out the owner, who comes through the same proxy."""
    settings.NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy)
    owner = Client(HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker)
    assert _login(attacker, password=ALICE_PASSWORD).status_code == 429
    assert _login(owner, password=ALICE_PASSWORD).status_code == 302


def _check_deploy(tmp_path, **overrides: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "wardrobe.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://wardrobe.example.org",
        "SECURE_COOKIES": "1",
        "BEHIND_TLS_PROXY": "1",
        "NUM_PROXIES": "1",
        "CACHE_URL": "redis://127.0.0.1:6379/15",
        "DATABASE_URL": "postgres://wardrobe:unused@127.0.0.1:1/wardrobe",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_warns_behind_a_proxy_without_num_proxies(tmp_path):
    """Behind a TLS proxy with ``NUM_PROXIES=0`` every client would share the proxy's address: one
    person's failed logins would lock everyone out of that username, and one throttle would hold
    for all. ``check --deploy`` says so."""
    r = _check_deploy(tmp_path, NUM_PROXIES="0")
    output = r.stdout + r.stderr
    assert r.returncode != 0 and "accounts.W001" in output and "NUM_PROXIES" in output, output
    r = _check_deploy(tmp_path)
    assert "accounts.W001" not in r.stdout + r.stderr, r.stdout + r.stderr

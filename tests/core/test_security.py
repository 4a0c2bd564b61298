"""API throttles, CSRF on every form, and the production security settings (``check --deploy``)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import REPO, upload
from tests.factories import GarmentFactory

ALICE_PASSWORD = "correct horse battery staple"

#: The production environment documented in wardrobe/settings.py and the README (placeholders for
#: the secrets; no server is contacted by ``check``).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "wardrobe.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://wardrobe.example.org",
    "SECURE_COOKIES": "1",
    "BEHIND_TLS_PROXY": "1",
    "NUM_PROXIES": "1",
    "CACHE_URL": "redis://127.0.0.1:6379/15",
    "DATABASE_URL": "postgres://wardrobe:unused@127.0.0.1:1/wardrobe",  # never connected to here
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
}


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(monkeypatch):
    """Set DRF throttle rates for one test: ``rates(auth="3/min")``. DRF binds the rates dict to its
    throttle classes at import, so the dict itself is patched (and restored afterwards)."""

    def set_rates(**scopes: str | None) -> None:
        for scope, rate in scopes.items():
            monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rates


def _assert_throttled(response) -> int:
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert "throttled" in response.json()["detail"].lower()
    return wait


# --- throttles -----------------------------------------------------------------------------------


def test_default_rates_come_from_the_environment_documented():
    configured = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(configured) == {"anon", "user", "auth", "upload"}
    for scope, rate in configured.items():
        assert rate is None or re.fullmatch(r"\d+/(s|sec|m|min|h|hour|d|day)", rate), (scope, rate)
    assert "THROTTLE_AUTH_RATE" in CONFIGURATION_DOC.read_text()


CONFIGURATION_DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_environment_variable_is_documented():
    """Each variable ``wardrobe/settings.py`` reads (``env.<type>("NAME"``) is named in docs/configuration.md."""
    source = (CONFIGURATION_DOC.parents[1] / "wardrobe" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert len(names) > 30, names
    doc = CONFIGURATION_DOC.read_text()
    assert not sorted(n for n in names if f"`{n}`" not in doc)


@pytest.mark.django_db
def test_auth_endpoints_share_a_rate_per_client_address(rates, user):
    rates(auth="3/min")
    c = APIClient()
    for _ in range(3):
        assert c.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json").status_code == 400
    _assert_throttled(c.post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}, format="json"))
    _assert_throttled(
        c.post("/api/auth/signup/", {"username": "eve", "password": "x", "password2": "x"}, format="json")
    )
    # A forged X-Forwarded-For does not give a fresh counter (NUM_PROXIES = 0: REMOTE_ADDR counts) ...
    _assert_throttled(
        c.post(
            "/api/auth/token/",
            {"username": "alice", "password": ALICE_PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR="198.51.100.23",
        )
    )
    # ... another address has its own.
    r = APIClient(REMOTE_ADDR="192.0.2.44").post(
        "/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}, format="json"
    )
    assert r.status_code == 200 and r.json()["token"]


@pytest.mark.django_db
def test_upload_rate_counts_uploads_per_user_only(rates, api, other_api, jpeg_bytes):
    from wardrobe.closet.models import Photo

    rates(upload="2/min")
    for i in range(2):
        assert (
            api.post("/api/photos/", {"image": upload(f"{i}.jpg", jpeg_bytes)}, format="multipart").status_code == 202
        )
    _assert_throttled(api.post("/api/photos/", {"image": upload("3.jpg", jpeg_bytes)}, format="multipart"))
    assert Photo.objects.count() == 2
    # Polling and other actions are not uploads; another user has their own count.
    for _ in range(3):
        assert api.get("/api/photos/").status_code == 200
    photo_id = Photo.objects.first().pk
    assert api.post(f"/api/photos/{photo_id}/confirm-all/").status_code == 200
    assert other_api.post("/api/photos/", {"image": upload("b.jpg", jpeg_bytes)}, format="multipart").status_code == 202


@pytest.mark.django_db
def test_user_and_anonymous_rates(rates, api, other_api):
    rates(user="3/min", anon="2/min")
    for _ in range(3):
        assert api.get("/api/me/settings/").status_code == 200
    _assert_throttled(api.get("/api/me/settings/"))
    assert other_api.get("/api/me/settings/").status_code == 200
    anonymous = APIClient()
    for _ in range(2):
        assert anonymous.get("/api/schema/").status_code == 200
    _assert_throttled(anonymous.get("/api/schema/", HTTP_ACCEPT="application/json"))


def test_client_address_trusts_only_the_configured_proxies(settings, rf):
    from accounts.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    settings.NUM_PROXIES = 0
    assert client_ip(request) == "10.0.0.5"
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "198.51.100.7"  # what our proxy saw; the left one is the client's claim
    settings.NUM_PROXIES = 5
    assert client_ip(request) == "203.0.113.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"


@pytest.mark.django_db
def test_lockout_records_the_address_the_proxy_saw(settings, client, user):
    from axes.models import AccessAttempt

    settings.NUM_PROXIES = 1
    client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]


# --- CSRF ----------------------------------------------------------------------------------------

_FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
_POST = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.I)


def _template_roots() -> list[Path]:
    """The project's template folders: ``templates/`` and every project app's ``templates/``."""
    from django.apps import apps

    roots = [Path(d) for d in django_settings.TEMPLATES[0]["DIRS"]]
    roots += [
        Path(app.path) / "templates"
        for app in apps.get_app_configs()
        if REPO in Path(app.path).parents
        and ".venv" not in Path(app.path).parts
        and (Path(app.path) / "templates").is_dir()
    ]
    return roots


def _project_templates() -> list[Path]:
    return sorted(p for d in _template_roots() for p in d.rglob("*.html"))


def _post_form_templates() -> dict[str, int]:
    """Template name -> number of POST forms in it, each checked to carry ``{% csrf_token %}``."""
    found: dict[str, int] = {}
    roots = _template_roots()
    for path in _project_templates():
        text = path.read_text()
        forms = [m for m in _FORM.finditer(text) if _POST.search(m.group("attrs"))]
        for m in forms:
            assert "{% csrf_token %}" in m.group("body"), (
                f"{path.name}: POST form without csrf_token: {m.group(0)[:120]}"
            )
        assert text.lower().count("<form") == len(list(_FORM.finditer(text))), f"{path.name}: unclosed <form>"
        if forms:
            root = next(r for r in roots if r in path.parents)
            found[str(path.relative_to(root))] = len(forms)
    return found


def test_every_post_form_in_the_templates_has_a_csrf_token():
    found = _post_form_templates()
    # The forms this project has (a template losing its form, or the scan going blind, fails here).
    assert {
        "base.html",
        "registration/login.html",
        "registration/signup.html",
        "preferences/settings.html",
        "registration/account_delete.html",
        "closet/upload.html",
        "closet/garment_detail.html",
        "closet/photo_detail.html",
        "closet/_review_block.html",
    } <= set(found)


class _Forms(HTMLParser):
    """Collects every <form>: its method and whether a csrfmiddlewaretoken input is inside."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action"),
                "token": False,
            }
            self.forms.append(self._open)
        elif (
            tag == "input"
            and self._open is not None
            and attrs.get("name") == "csrfmiddlewaretoken"
            and attrs.get("value")
        ):
            self._open["token"] = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


@pytest.mark.django_db
def test_every_page_renders_its_post_forms_with_a_token(client, user, photo, settings):
    """Crawl the pages (signed out and in, with garments in every state) and check each rendered
    POST form; every template that has a POST form must have been rendered by the crawl."""
    from wardrobe.closet import services
    from wardrobe.closet.models import Garment, Photo

    review = GarmentFactory(photo=photo)
    Garment.objects.filter(pk=review.pk).update(status=Garment.Status.REVIEW)
    kept = GarmentFactory(photo=photo, category="pants", type="jeans")
    Garment.objects.filter(pk=kept.pk).update(status=Garment.Status.CLOSET)
    services.garments_wear(garments=[kept], on=None)
    archived = GarmentFactory(photo=photo, category="coat", type=None)
    Garment.objects.filter(pk=archived.pk).update(status=Garment.Status.CLOSET)
    services.garment_archive(garment=Garment.objects.get(pk=archived.pk), reason="sold")
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    failed = services.photo_create(
        owner=user,
        uploaded_file=upload("f.jpg", (REPO / "tests/fixtures").joinpath("clothing_tshirt.jpg").read_bytes()),
    )
    Photo.objects.filter(pk=failed.pk).update(status=Photo.Status.FAILED, error="boom")

    import datetime as dt

    from wardrobe.outfits import services as outfit_services

    top = GarmentFactory(photo=photo, category="shirt-blouse", type="shirt")
    Garment.objects.filter(pk=top.pk).update(status=Garment.Status.CLOSET)
    outfit = outfit_services.outfit_create(owner=user, name="Monday", items=[{"garment": kept.pk}, {"garment": top.pk}])
    outfit_services.plan_create(owner=user, outfit=outfit, date=dt.date.today() + dt.timedelta(days=2))
    outfit_services.plan_create(owner=user, outfit=outfit, date=dt.date.today())

    from wardrobe.packing.models import PackingItem, Trip
    from wardrobe.wishlist.models import WishlistItem

    trip = Trip.objects.create(
        owner=user,
        name="Busan",
        location_name="Busan",
        latitude=35.1,
        longitude=129.0,
        start_date=dt.date.today(),
        end_date=dt.date.today(),
    )
    PackingItem.objects.create(trip=trip, garment=top, role="top")
    wish = WishlistItem.objects.create(owner=user, name="Boots", notes="")

    anonymous = [reverse("accounts:login"), reverse("accounts:signup")]
    signed_in = [
        reverse("packing:trip-list"),
        reverse("packing:trip-detail", args=[trip.pk]),
        reverse("wishlist:wishlist"),
        reverse("wishlist:item", args=[wish.pk]),
        reverse("closet:tags"),
        reverse("outfits:outfit-list"),
        reverse("outfits:outfit-new"),
        reverse("outfits:outfit-detail", args=[outfit.pk]),
        reverse("outfits:outfit-edit", args=[outfit.pk]),
        reverse("outfits:calendar"),
        reverse("suggestions:suggestions"),
        reverse("stats:stats"),
        reverse("stats:declutter") + "?days=30",
        reverse("closet:closet"),
        reverse("closet:closet") + "?state=archived",
        reverse("closet:upload"),
        reverse("closet:review"),
        reverse("closet:photo-list"),
        reverse("closet:photo-detail", args=[photo.pk]),
        reverse("closet:photo-detail", args=[failed.pk]),
        reverse("closet:garment-detail", args=[review.pk]),
        reverse("closet:garment-detail", args=[kept.pk]),
        reverse("closet:garment-detail", args=[archived.pk]),
        reverse("closet:garment-mask-edit", args=[review.pk]),
        reverse("care:label", args=[kept.pk]),
        reverse("closet:closet-match"),
        reverse("preferences:settings"),
        reverse("backup:import"),
        reverse("accounts:password"),
        reverse("accounts:delete"),
    ]
    rendered: set[str] = set()
    post_forms = 0

    def crawl(urls):
        nonlocal post_forms
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, url
            rendered.update(t.name for t in r.templates if t.name)
            parser = _Forms()
            parser.feed(r.content.decode())
            for form in parser.forms:
                if form["method"] == "post":
                    post_forms += 1
                    assert form["token"], f"{url}: POST form to {form['action']} without csrfmiddlewaretoken"

    crawl(anonymous)
    client.force_login(user)
    crawl(signed_in)
    missing = set(_post_form_templates()) - rendered
    assert not missing, f"templates with POST forms the crawl never rendered: {missing}"
    assert post_forms >= 20


@pytest.fixture
def strict_client(user) -> Client:
    """A signed-in browser that, like a real one, gets CSRF checks (the test client skips them by default)."""
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    return c


def _token_from(client: Client, url: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()).group(1)


@pytest.mark.django_db
def test_login_without_csrf_token_is_refused(user):
    c = Client(enforce_csrf_checks=True)
    r = c.post(reverse("accounts:login"), {"username": "alice", "password": ALICE_PASSWORD})
    assert r.status_code == 403 and "_auth_user_id" not in c.session
    token = _token_from(c, reverse("accounts:login"))
    r = c.post(
        reverse("accounts:login"), {"username": "alice", "password": ALICE_PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert r.status_code == 302 and c.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_uploads_without_csrf_token_are_refused(strict_client, jpeg_bytes):
    from wardrobe.closet.models import Photo

    r = strict_client.post(reverse("closet:upload"), {"images": [upload("a.jpg", jpeg_bytes)]})
    assert r.status_code == 403
    # The API with the browser's session (what the upload page's script does) needs the header too.
    r = strict_client.post("/api/photos/", {"image": upload("a.jpg", jpeg_bytes)})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert not Photo.objects.exists()
    token = _token_from(strict_client, reverse("closet:upload"))
    r = strict_client.post("/api/photos/", {"image": upload("a.jpg", jpeg_bytes)}, HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 202 and Photo.objects.count() == 1


@pytest.mark.django_db
def test_garment_edit_and_account_delete_without_csrf_token_are_refused(strict_client, user, garment):
    url = reverse("closet:garment-detail", args=[garment.pk])
    edit = {"kind": "shirt-blouse:shirt", "picture": "cutout", "laundry": "clean"}
    r = strict_client.post(url, {**edit, "name": "Hijacked"})
    assert r.status_code == 403
    garment.refresh_from_db()
    assert garment.name == ""
    r = strict_client.post(reverse("accounts:delete"), {"password": ALICE_PASSWORD})
    assert r.status_code == 403
    user.refresh_from_db()  # still there
    token = _token_from(strict_client, url)
    r = strict_client.post(url, {**edit, "name": "Mine", "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    garment.refresh_from_db()
    assert garment.name == "Mine"


# --- production settings -------------------------------------------------------------------------


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        **PRODUCTION_ENV,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        **overrides,
    }
    return {k: v for k, v in env.items() if v is not None}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    r = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    output = r.stdout + r.stderr
    assert r.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output and "no issues" in output


def test_check_deploy_fails_without_https_settings(tmp_path):
    """The same check, without the HTTPS variables: it must complain (the test above can fail)."""
    r = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(tmp_path, SECURE_COOKIES=None, BEHIND_TLS_PROXY=None),
    )
    output = r.stdout + r.stderr
    assert r.returncode != 0
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in output, output


_PROBE = """
import json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "wardrobe.settings"
django.setup()
from django.conf import settings as s
from django.test import Client
names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
         "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "NUM_PROXIES", "AXES_FAILURE_LIMIT"]
out = {n: getattr(s, n) for n in names}
out["CACHE_BACKEND"] = s.CACHES["default"]["BACKEND"]
out["AXES_COOLOFF_SECONDS"] = s.AXES_COOLOFF_TIME.total_seconds()
c = Client(HTTP_HOST="wardrobe.example.org")
plain = c.get("/accounts/login/")
out["plain"] = [plain.status_code, plain.get("Location")]
tls = c.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
out["tls"] = [tls.status_code, dict(tls.headers), {k: dict(v) for k, v in tls.cookies.items()}]
print(json.dumps(out))
"""


def test_production_settings_and_headers(tmp_path):
    """The production environment in a fresh process: the settings it yields, and what a request
    through the TLS proxy gets back (no database is touched)."""
    r = _run(["-c", _PROBE], _production_env(tmp_path, AXES_FAILURE_LIMIT="7", AXES_COOLOFF_MINUTES="30"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["DEBUG"] is False
    assert out["SESSION_COOKIE_SECURE"] and out["CSRF_COOKIE_SECURE"] and out["LANGUAGE_COOKIE_SECURE"]
    assert out["SESSION_COOKIE_HTTPONLY"] and out["SECURE_SSL_REDIRECT"]
    assert out["SECURE_HSTS_SECONDS"] == 31536000 and out["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert out["SECURE_HSTS_PRELOAD"] is False
    assert out["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert out["X_FRAME_OPTIONS"] == "DENY" and out["SECURE_REFERRER_POLICY"] == "same-origin"
    assert out["NUM_PROXIES"] == 1 and out["CACHE_BACKEND"] == "wardrobe.core.cache.FailOpenRedisCache"
    assert out["AXES_FAILURE_LIMIT"] == 7 and out["AXES_COOLOFF_SECONDS"] == 1800
    assert out["plain"] == [301, "https://wardrobe.example.org/accounts/login/"]
    status, headers, cookies = out["tls"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin" and headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csrf = cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"


def test_development_defaults_stay_plain_http(tmp_path):
    r = _run(
        ["-c", _PROBE.replace('HTTP_HOST="wardrobe.example.org"', 'HTTP_HOST="localhost"')],
        {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "DEBUG": "1",
            "DATABASE_URL": "postgres://wardrobe:unused@127.0.0.1:1/wardrobe",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
            "MEDIA_ROOT": str(tmp_path / "media"),
        },
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["SECURE_HSTS_SECONDS"] == 0 and not out["SECURE_SSL_REDIRECT"] and not out["SESSION_COOKIE_SECURE"]
    assert out["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert out["plain"][0] == 200 and "Strict-Transport-Security" not in out["tls"][1]

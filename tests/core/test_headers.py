"""Hardening headers (issue 15, defect 10), over HTTP: a strict Content-Security-Policy (django-csp) and a
``Permissions-Policy`` on every answer, pages and API answers never stored by any cache
(``Cache-Control: private, no-store``), while the owner-checked files keep their private hour and the
static files stay publicly cacheable; and no page the app renders holds inline script or style.

That the pages, the outfit builder and the API docs really work under the policy, in a browser that
reports every violation, is ``tests/core/test_csp_browser.py``.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import path, reverse

from tests.conftest import api_client_for
from tests.factories import GarmentFactory, PhotoFactory
from wardrobe import urls as project_urls
from wardrobe.closet.models import Garment, Photo
from wardrobe.core.headers import PERMISSIONS_POLICY
from wardrobe.outfits import services as outfit_services

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("boom")


#: The project's URLs plus a page that fails (``@pytest.mark.urls(__name__)``), for the 500 page.
urlpatterns = [path("boom/", _boom), path("api/boom/", _boom), *project_urls.urlpatterns]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def csp(response) -> dict[str, list[str]]:
    """The answer's Content-Security-Policy as ``{directive: [sources]}``."""
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response.get('Content-Type')}"
    parts = (p.split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def cache_control(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def assert_hardened(response, *, stored: bool = False) -> None:
    """The strict policy, the Permissions-Policy and (unless ``stored``) ``private, no-store``."""
    policy = csp(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], policy
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], policy
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    if not stored:
        assert {"private", "no-store"} <= cache_control(response), response.get("Cache-Control")


@pytest.fixture
def closet(user):
    """A little of everything: a processed photo, garments in the closet and in review, an outfit
    on the calendar."""
    photo = PhotoFactory(owner=user)
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.DONE)
    shirt = GarmentFactory(photo=photo, colors=("navy", "white"))
    jeans = GarmentFactory(photo=photo, category="pants", type="jeans")
    waiting = GarmentFactory(photo=photo, category="shoe", type="sneakers", status=Garment.Status.REVIEW)
    outfit = outfit_services.outfit_create(
        owner=user, name="Monday", items=[{"garment": shirt.pk}, {"garment": jeans.pk}]
    )
    outfit_services.plan_create(owner=user, outfit=outfit, date=dt.date.today())
    return {"photo": photo, "shirt": shirt, "jeans": jeans, "waiting": waiting, "outfit": outfit}


def _pages(closet) -> list[str]:
    return [
        reverse("closet:closet"),
        reverse("closet:upload"),
        reverse("closet:review"),
        reverse("closet:photo-list"),
        reverse("closet:photo-detail", args=[closet["photo"].pk]),
        reverse("closet:garment-detail", args=[closet["shirt"].pk]),
        reverse("closet:garment-detail", args=[closet["waiting"].pk]),
        reverse("closet:garment-mask-edit", args=[closet["shirt"].pk]),
        reverse("outfits:outfit-list"),
        reverse("outfits:outfit-new"),
        reverse("outfits:outfit-detail", args=[closet["outfit"].pk]),
        reverse("outfits:outfit-edit", args=[closet["outfit"].pk]),
        reverse("outfits:calendar"),
        reverse("suggestions:suggestions"),
        reverse("preferences:settings"),
        reverse("accounts:password"),
        reverse("accounts:delete"),
        reverse("swagger-ui"),
    ]


def test_the_policy_is_strict(client):
    policy = csp(client.get(reverse("accounts:login")))
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    assert not any(s.startswith("'unsafe-") for sources in policy.values() for s in sources)


def test_every_page_is_hardened_and_never_stored(client, user, closet):
    client.force_login(user)
    for url in _pages(closet):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_hardened(r)


def test_signed_out_pages_are_hardened(client):
    for url in (reverse("accounts:login"), reverse("accounts:signup"), "/jsi18n/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_hardened(r)
    login = client.get(reverse("accounts:login"))  # Django's own never_cache policy is kept
    assert cache_control(login) == {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}
    r = client.get(reverse("closet:closet"))  # the way to the login page
    assert r.status_code == 302
    assert_hardened(r)


def test_api_answers_are_hardened_and_never_stored(user, closet):
    api = api_client_for(user)
    for url in (
        "/api/garments/",
        f"/api/garments/{closet['shirt'].pk}/",
        f"/api/photos/{closet['photo'].pk}/",
        "/api/outfits/",
        "/api/me/settings/",
        "/api/schema/",
        reverse("swagger-ui") + "?script=",
    ):
        r = api.get(url)
        assert r.status_code == 200, url
        assert_hardened(r)
    r = api.post("/api/garments/", {}, format="json")  # a method the route does not take
    assert r.status_code == 405
    assert_hardened(r)
    r = Client().get("/api/garments/")  # no credentials
    assert r.status_code in (401, 403)
    assert_hardened(r)


@pytest.mark.urls(__name__)
def test_error_pages_are_hardened(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    for url, status, kind in (
        ("/no-such-page/", 404, "text/html"),
        ("/api/no-such-thing/", 404, "application/json"),
        ("/boom/", 500, "text/html"),
        ("/api/boom/", 500, "application/json"),
    ):
        r = client.get(url)
        assert (r.status_code, r["Content-Type"].split(";")[0]) == (status, kind), url
        assert_hardened(r)
    r = client.get("/closet/", HTTP_HOST="evil.example")  # DisallowedHost: the 400 page
    assert r.status_code == 400
    assert_hardened(r)


def test_owner_checked_files_keep_their_private_hour(client, user, closet):
    client.force_login(user)
    shirt, outfit = closet["shirt"], closet["outfit"]
    for url in (
        reverse("closet:photo-image", args=[closet["photo"].pk]),
        reverse("closet:garment-cutout", args=[shirt.pk]),
        reverse("closet:garment-mask", args=[shirt.pk]),
        reverse("closet:garment-picture", args=[shirt.pk]),
        reverse("outfits:outfit-image", args=[outfit.pk]),
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_hardened(r, stored=True)
        assert cache_control(r) == {"private", "max-age=3600"}, (url, r["Cache-Control"])
    # Another person's file: a 404 that no cache keeps either.
    r = api_client_for(_someone_else()).get(reverse("closet:garment-cutout", args=[shirt.pk]))
    assert r.status_code == 404
    assert_hardened(r)


def _someone_else():
    from tests.factories import UserFactory

    return UserFactory(username="eve")


def test_static_files_stay_publicly_cacheable(settings, user):
    settings.WHITENOISE_USE_FINDERS = True  # the files straight from static/ (no collectstatic here)
    client = Client()  # a fresh handler: WhiteNoise reads its settings when it starts
    client.force_login(user)
    r = client.get("/static/css/app.css")
    assert r.status_code == 200
    directives = cache_control(r)
    assert "public" in directives and not directives & {"private", "no-store"}, r["Cache-Control"]
    assert r["Permissions-Policy"] == PERMISSIONS_POLICY and "Content-Security-Policy" in r


def test_only_the_browsable_api_may_apply_inline_styles(client, user, closet):
    """DRF's HTML pages for trying the API carry style attributes of their own; their scripts stay strict."""
    client.force_login(user)
    page = client.get("/api/garments/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    policy = csp(page)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"] and policy["script-src"] == ["'self'"]
    assert {"private", "no-store"} <= cache_control(page)
    assert_hardened(client.get("/api/garments/", HTTP_ACCEPT="application/json"))


class _InlineCode(HTMLParser):
    """Collects what a strict CSP refuses: inline scripts, ``<style>`` elements, ``style`` and ``on*``
    attributes, ``javascript:`` URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._script = attrs
        elif tag == "style":
            self.found.append("<style>")
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        script = self._script
        if script is not None and "src" not in script and script.get("type") != "application/json" and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def test_no_rendered_page_holds_inline_script_or_style(client, user, closet):
    """Every page the app renders (signed out and in): the policy would refuse any inline code."""
    urls = [reverse("accounts:login"), reverse("accounts:signup")]
    checked = 0
    for signed_in in (False, True):
        if signed_in:
            client.force_login(user)
            urls = _pages(closet)
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200 and r["Content-Type"].startswith("text/html"), url
            parser = _InlineCode()
            parser.feed(r.content.decode())
            assert not parser.found, f"{url}: {parser.found}"
            checked += 1
    assert checked == 2 + len(_pages(closet))

"""Private media and cross-user isolation.

Originals, masks and cutouts reach only their owner, through owner-checked views that hand the file
to django-sendfile2 (``X-Accel-Redirect`` behind nginx in production). User B tries every object id
of user A on every URL pattern that takes an id, enumerated from the URL resolver so a new route is
covered without touching this file: always a 404 (or a 405 for a method the route does not take,
exactly as for an id that does not exist), and A's rows and files stay as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_sendfile.utils import _get_sendfile
from rest_framework.test import APIClient

from tests.conftest import api_client_for, fixture_photos, media_files, upload
from tests.factories import GarmentFactory
from wardrobe.closet import services
from wardrobe.closet.models import Garment, Photo, Tag, WearLog
from wardrobe.outfits import services as outfit_services
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.wishlist import services as wishlist_services
from wardrobe.wishlist.models import WishlistItem

pytestmark = pytest.mark.django_db

SENDFILE_URL = "/protected-media/"
METHODS = ("get", "post", "put", "patch", "delete")
MEDIA_ROUTES = (
    "closet:photo-image",
    "closet:garment-mask",
    "closet:garment-cutout",
    "closet:garment-picture",
    "wishlist:photo",
    "closet:garment-stain",
    "closet:garment-stain-mask",
)


@pytest.fixture
def sendfile_backend(settings):
    """Switch django-sendfile2's backend: ``use("nginx")`` or ``use("simple")``. The library caches
    the backend module, so the cache is cleared on each switch and after the test."""

    def use(name: str) -> None:
        settings.SENDFILE_BACKEND = f"django_sendfile.backends.{name}"
        settings.SENDFILE_URL = SENDFILE_URL
        _get_sendfile.cache_clear()

    yield use
    _get_sendfile.cache_clear()


def _store_photo(owner, path: Path, name: str) -> Photo:
    return services.photo_create(owner=owner, uploaded_file=upload(name, path.read_bytes()))


def _review_garment(photo: Photo) -> Garment:
    """A low-confidence detection waiting for review (as the worker stores one)."""
    return GarmentFactory(photo=photo, category="pants", type="jeans", score=0.41, status=Garment.Status.REVIEW)


@dataclass
class Closet:
    """One user's objects, by kind, and strings only that user's data contains."""

    photos: list[Photo]
    garments: list[Garment]
    wears: list[WearLog]
    markers: list[str] = field(default_factory=list)
    outfits: list[Outfit] = field(default_factory=list)
    plans: list[OutfitPlan] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # {model: rows} of the later rooms (issue 18: tags, wishlist)

    def ids(self, model) -> list[int]:
        if model in self.extra:
            return [o.pk for o in self.extra[model]]
        rows = {Photo: self.photos, Garment: self.garments, Outfit: self.outfits, OutfitPlan: self.plans}[model]
        return [o.pk for o in rows]


@pytest.fixture
def closet_b(other_user) -> Closet:
    photo = _store_photo(other_user, fixture_photos()[3], "bob.jpg")
    garment = GarmentFactory(photo=photo)
    return Closet(photos=[photo], garments=[garment], wears=[])


def _skip_photo_ids_past(last_garment_id: int, owner, margin: int = 10) -> None:
    """Make the next photo ids larger than the next ``margin`` garment ids, so that a photo id is
    never also a garment id in the sweep (a route given the wrong kind of id would then go unnoticed)."""
    burn = last_garment_id + margin - (Photo.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    if burn > 0:
        rows = Photo.objects.bulk_create([Photo(owner=owner, image="unused", width=1, height=1) for _ in range(burn)])
        Photo.objects.filter(pk__in=[r.pk for r in rows]).delete()


@pytest.fixture
def closet_a(user, closet_b) -> Closet:
    """Alice: a processed photo (closet item worn today, item shown as a photo crop, archived item,
    item waiting for review), a failed photo and a pending one, all real fixture photos. Her photo
    ids and garment ids do not overlap."""
    photos = fixture_photos()
    assert len(photos) >= 3, "tests/fixtures needs at least three photos"
    _skip_photo_ids_past(closet_b.garments[0].pk, owner=closet_b.photos[0].owner)
    done = _store_photo(user, photos[0], "alice-holiday-secret.jpg")
    worn = GarmentFactory(photo=done)
    services.garment_update(garment=worn, name="Alice secret jacket")
    services.garments_wear(garments=[worn])
    cropped = GarmentFactory(photo=done, category="pants", type="jeans")
    services.garment_update(garment=cropped, picture=Garment.Picture.PHOTO, notes="alice private note")
    archived = GarmentFactory(photo=done, category="shoe", type="sneakers")
    services.garment_archive(garment=archived, reason="sold")
    review = _review_garment(done)
    Photo.objects.filter(pk=done.pk).update(status=Photo.Status.DONE)
    failed = _store_photo(user, photos[1], "alice-failed.jpg")
    services.photo_mark_failed(photo_id=failed.pk, code="analysis", detail="worker crashed")
    pending = _store_photo(user, photos[2], "alice-pending.jpg")
    garments = [worn, cropped, archived, review]
    stored = [p.image.name for p in (done, failed, pending)]
    stored += [name for g in garments for name in (g.mask.name, g.cutout.name)]
    assert not {done.pk, failed.pk, pending.pk} & {g.pk for g in garments}
    outfit = outfit_services.outfit_create(
        owner=user, name="Alice secret outfit", items=[{"garment": worn.pk}, {"garment": cropped.pk}]
    )
    today = timezone.localdate()
    plans = [
        outfit_services.plan_create(owner=user, outfit=outfit, date=today),
        outfit_services.plan_create(owner=user, outfit=outfit, date=today + dt.timedelta(days=3)),
    ]
    tag = services.tag_create(owner=user, name="alice-secret-tag")  # issue 18
    services.garment_tags_set(garment=worn, names=[tag.name])
    wish = wishlist_services.wishlist_item_create(
        owner=user, name="Alice secret wish", photo=upload("wish.jpg", photos[0].read_bytes())
    )
    # issue 17: the worn garment carries a stain (its mask file stands in for the stain's), so the owner
    # reaches the stain routes in the control.
    Garment.objects.filter(pk=worn.pk).update(stain_mask=worn.mask.name, stain_found=True)
    trip = Trip.objects.create(  # issue 18: a packing list (no forecast needed to exist)
        owner=user,
        name="Alice secret trip",
        location_name="Busan",
        latitude=35.1,
        longitude=129.0,
        start_date=today,
        end_date=today,
    )
    packed = PackingItem.objects.create(trip=trip, garment=worn, role="top")
    return Closet(
        extra={Tag: [tag], WishlistItem: [wish], Trip: [trip], PackingItem: [packed]},
        photos=[Photo.objects.get(pk=p.pk) for p in (done, failed, pending)],
        garments=[Garment.objects.get(pk=g.pk) for g in garments],
        wears=list(WearLog.objects.filter(owner=user)),
        markers=["alice", "Alice secret jacket", "alice private note", "worker crashed", "Alice secret outfit"]
        + ["alice-secret-tag", "Alice secret wish"]
        + [Path(n).stem.split("-")[0] for n in stored],
        outfits=[outfit],
        plans=plans,
    )


def _snapshot(user, media_root: Path) -> dict:
    """Everything of ``user`` in the database, and every stored file with its hash."""
    return {
        "photos": list(Photo.objects.filter(owner=user).order_by("pk").values()),
        "garments": list(Garment.objects.filter(owner=user).order_by("pk").values()),
        "wears": list(WearLog.objects.filter(owner=user).order_by("pk").values()),
        "outfits": list(Outfit.objects.filter(owner=user).order_by("pk").values()),
        "outfit_items": list(OutfitItem.objects.filter(outfit__owner=user).order_by("pk").values()),
        "plans": list(OutfitPlan.objects.filter(owner=user).order_by("pk").values()),
        "files": {
            str(p.relative_to(media_root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in media_files(media_root)
        },
    }


# --- the routes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdRoute:
    name: str  # the URL name, with its namespace
    param: str  # the id parameter
    model: type  # Photo or Garment
    fixed: tuple  # other parameters: (("format", "json"),) for DRF's suffix routes

    def url(self, object_id: int) -> str:
        return reverse(self.name, kwargs={self.param: object_id, **dict(self.fixed)})

    @property
    def kind(self) -> str:
        url = self.url(1)
        return "api" if url.startswith("/api/") else "media" if self.name in MEDIA_ROUTES else "page"


#: URL parameter -> the model whose id it takes. A route with an id parameter not listed here fails
#: the sweep until it is added, so no new route goes untested.
ID_PARAMS = {
    "photo_id": Photo,
    "garment_id": Garment,
    "outfit_id": Outfit,
    "plan_id": OutfitPlan,
    "tag_id": Tag,
    "item_id": WishlistItem,
    "trip_id": Trip,
    "packing_item_id": PackingItem,
}


def _model_of(pattern: URLPattern, param: str):
    if param in ID_PARAMS:
        return ID_PARAMS[param]
    view_class = getattr(pattern.callback, "cls", None)  # DRF viewsets: pk of the queryset's model
    if param == "pk" and view_class is not None and getattr(view_class, "queryset", None) is not None:
        return view_class.queryset.model
    pytest.fail(f"URL {pattern.pattern} takes {param!r}: map it to a model in ID_PARAMS")


def id_routes() -> list[IdRoute]:
    """Every named URL pattern (pages, media and API; not the staff-only admin) that takes an object id."""
    routes: dict[str, IdRoute] = {}

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                assert not p.pattern.regex.groupindex, f"{p.pattern}: ids in an include prefix are not swept"
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])))
                continue
            params = [name for name in p.pattern.regex.groupindex if name != "format"]
            if not params:
                continue
            assert p.name, f"{p.pattern} takes an id but has no name"
            assert len(params) == 1, f"{p.pattern}: more than one id parameter"
            fixed = (("format", "json"),) if "format" in p.pattern.regex.groupindex else ()
            route = IdRoute(":".join(filter(None, [namespace, p.name])), params[0], _model_of(p, params[0]), fixed)
            routes[route.url(1)] = route

    walk(get_resolver().url_patterns, "")
    return sorted(routes.values(), key=lambda r: r.url(1))


def test_route_enumeration_finds_pages_api_and_media():
    names = {r.name for r in id_routes()}
    # A sample of each group, to show the walk reaches them (the sweep itself takes all of them).
    assert {
        "closet:photo-detail",
        "closet:garment-delete",
        "closet:garment-wear",
        *MEDIA_ROUTES,
        "photo-detail",
        "photo-confirm-all",
        "garment-detail",
        "garment-unwear",
        "garment-wears",
    } <= names
    kinds = {r.kind for r in id_routes()}
    assert kinds == {"page", "api", "media"}


def test_no_format_suffix_routes(api, closet_a):
    """``/api/garments/<id>/archive.json`` used to reach actions that take no ``format``: a 500."""
    garment_id = closet_a.garments[0].pk
    assert api.post(f"/api/garments/{garment_id}/archive.json", {"reason": "sold"}, format="json").status_code == 404
    assert api.get(f"/api/garments/{garment_id}.json").status_code == 404
    assert api.get(f"/api/garments/{garment_id}/?format=json").status_code == 200


# --- the sweep ---------------------------------------------------------------------------------------


def _payload(a: Closet) -> dict:
    """A body that would change or delete A's things if any route let B reach them."""
    today = timezone.localdate().isoformat()
    body = {
        "kind": "pants:jeans",
        "category": "pants",
        "type": "jeans",
        "name": "hacked by bob",
        "reason": "donated",
        "laundry": "wash",
        "date": today,
        "picture": "photo",
        "unarchive": "1",
        "action": "wash",
        "ids": a.ids(Garment),
        "notes": "bob was here",
    }
    body.update({f"kind-{pk}": "reject" for pk in a.ids(Garment)})
    return body


def _request(client, method: str, url: str, data: dict, as_json: bool):
    call = getattr(client, method)
    if method == "get":
        return call(url)
    if as_json:
        return call(url, data, format="json")
    if method == "post":
        return call(url, data)  # a form, as the pages send
    return call(url, json.dumps(data), content_type="application/json")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _sweep(client, routes: list[IdRoute], a: Closet, as_json: bool, missing: dict) -> int:
    """Every id of A on every route with every method: a 404, or the very status a missing id gets."""
    data = _payload(a)
    checked = 0
    for route in routes:
        cache.clear()  # rate limits are not what is swept here: each route starts with fresh counters
        found_404 = False
        for method in METHODS:
            gone = _request(client, method, route.url(missing[route.model]), data, as_json)
            for object_id in a.ids(route.model):
                url = route.url(object_id)
                r = _request(client, method, url, data, as_json)
                checked += 1
                assert r.status_code in (404, 405), f"{method.upper()} {url}: {r.status_code}"
                assert r.status_code == gone.status_code, f"{method.upper()} {url}: differs from a missing id"
                assert "X-Accel-Redirect" not in r
                body = _body(r).decode(errors="replace")
                for marker in a.markers:
                    assert marker not in body, f"{method.upper()} {url} shows {marker!r}"
                found_404 |= r.status_code == 404
        assert found_404, f"{route.name}: no method reached the object lookup"
    return checked


def _owner_reaches_every_route(client, routes: list[IdRoute], a: Closet, as_json: bool) -> None:
    """The control: A (same kind of client) gets past the lookup on every route, so the 404s above
    come from ownership, not from a wrong id. Each request runs in a savepoint that is rolled back."""
    data = _payload(a)
    for route in routes:
        cache.clear()  # a 429 would pass for "got past the lookup"
        reached = []
        for method in METHODS:
            for object_id in a.ids(route.model):
                with transaction.atomic():
                    r = _request(client, method, route.url(object_id), data, as_json)
                    transaction.set_rollback(True)
                if r.status_code not in (404, 405):
                    reached.append((method, object_id, r.status_code))
                    break
            if reached:
                break
        assert reached, f"{route.name}: the owner never got past the lookup"


def test_other_user_gets_404_for_every_object_on_every_route(
    user, other_user, closet_a, closet_b, media_root, django_capture_on_commit_callbacks
):
    routes = id_routes()
    missing = {
        m: m.objects.order_by("-pk").values_list("pk", flat=True).first() + 10_000 for m in {r.model for r in routes}
    }
    before = _snapshot(user, media_root)

    session_b = Client()
    session_b.force_login(other_user)
    token_b = api_client_for(other_user)
    with django_capture_on_commit_callbacks() as callbacks:
        checked = _sweep(session_b, routes, closet_a, as_json=False, missing=missing)
        checked += _sweep(
            token_b, [r for r in routes if r.kind in ("api", "media")], closet_a, as_json=True, missing=missing
        )
        # With a token only, the pages are not signed in at all: the login page, whatever the id.
        for route in (r for r in routes if r.kind == "page"):
            r = token_b.get(route.url(closet_a.ids(route.model)[0]))
            assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))
    assert callbacks == []  # no file deletion or task was even scheduled
    assert _snapshot(user, media_root) == before
    assert checked > 500

    session_a = Client()
    session_a.force_login(user)
    _owner_reaches_every_route(session_a, routes, closet_a, as_json=False)
    _owner_reaches_every_route(api_client_for(user), [r for r in routes if r.kind != "page"], closet_a, as_json=True)


def test_lists_filters_and_bulk_actions_do_not_leak(user, other_user, other_api, closet_a, closet_b, media_root):
    a, b = closet_a, closet_b
    before = _snapshot(user, media_root)
    a_photo_ids = ",".join(map(str, a.ids(Photo)))

    def ids_of(url: str) -> set[int]:
        r = other_api.get(url)
        assert r.status_code == 200, url
        body = r.json()
        return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}

    assert ids_of(f"/api/photos/?ids={a_photo_ids}") == set()
    assert ids_of(f"/api/photos/?ids={a_photo_ids},{b.photos[0].pk}") == {b.photos[0].pk}
    assert ids_of("/api/photos/") == {b.photos[0].pk}
    for photo_id in a.ids(Photo):
        assert ids_of(f"/api/garments/?photo={photo_id}") == set()
    for query in (
        "",
        "?state=all",
        "?state=archived",
        "?state=review",
        "?review=true",
        "?review=false",
        "?state=wash",
        "?q=secret",
        "?sort=most-worn",
    ):
        assert ids_of(f"/api/garments/{query}") <= set(b.ids(Garment)), query
    assert ids_of("/api/review/") == set()
    counts = {c["slug"]: c["count"] for c in other_api.get("/api/categories/").json()}
    assert counts["shirt-blouse"] == 1 and sum(counts.values()) == 1  # B's own shirt only

    # Bulk actions naming A's ids (alone or with B's own): 404, nothing done, B's own item untouched too.
    for ids in (a.ids(Garment), a.ids(Garment) + b.ids(Garment)):
        assert other_api.post("/api/garments/wear/", {"ids": ids}, format="json").status_code == 404
        assert (
            other_api.post("/api/garments/laundry/", {"ids": ids, "laundry": "wash"}, format="json").status_code == 404
        )
    assert Garment.objects.get(pk=b.garments[0].pk).laundry == Garment.Laundry.CLEAN

    client = Client()
    client.force_login(other_user)
    client.post(reverse("closet:closet-bulk"), {"action": "wash", "ids": a.ids(Garment)})
    client.post(reverse("closet:review-confirm-all"))
    pages = [
        reverse("closet:closet") + q
        for q in ("", "?state=all", "?state=archived", "?state=wash", "?q=secret", "?sort=last-worn")
    ]
    pages += [reverse("closet:review"), reverse("closet:photo-list"), reverse("closet:upload")]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        for photo_id in a.ids(Photo):
            assert f"/photos/{photo_id}/" not in html, url
        for garment_id in a.ids(Garment):
            assert f"/garments/{garment_id}/" not in html, url
        for marker in a.markers:
            assert marker not in html, (url, marker)
    assert _snapshot(user, media_root) == before


# --- how the files are sent ----------------------------------------------------------------------------


def _media_urls(c: Closet) -> list[tuple[str, object, str, str]]:
    """(url, stored file, Content-Type, download name) of every file of ``c`` served as stored."""
    photo, garment = c.photos[0], c.garments[0]
    assert garment.picture == Garment.Picture.CUTOUT
    return [
        (reverse("closet:photo-image", args=[photo.pk]), photo.image, "image/jpeg", f"photo-{photo.pk}.jpg"),
        (
            reverse("closet:garment-mask", args=[garment.pk]),
            garment.mask,
            "image/png",
            f"garment-{garment.pk}-mask.png",
        ),
        (
            reverse("closet:garment-cutout", args=[garment.pk]),
            garment.cutout,
            "image/png",
            f"garment-{garment.pk}-cutout.png",
        ),
        (
            reverse("closet:garment-picture", args=[garment.pk]),
            garment.cutout,
            "image/png",
            f"garment-{garment.pk}.png",
        ),
    ]


def _assert_private_headers(r, content_type: str, download_name: str, stored_name: str) -> None:
    assert r["Content-Type"] == content_type
    assert r["Content-Disposition"] == f'inline; filename="{download_name}"'
    assert r["Cache-Control"] == "private, max-age=3600"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert Path(stored_name).stem not in r["Content-Disposition"]


def test_nginx_backend_hands_the_file_to_nginx(client, api, other_api, user, other_user, closet_a, sendfile_backend):
    sendfile_backend("nginx")
    client.force_login(user)
    for url, stored, content_type, download_name in _media_urls(closet_a):
        for owner in (client, api):
            r = owner.get(url)
            assert r.status_code == 200, url
            assert r["X-Accel-Redirect"] == SENDFILE_URL + stored.name
            assert r.content == b""  # nginx sends the bytes
            assert int(r["Content-Length"]) == stored.size
            _assert_private_headers(r, content_type, download_name, stored.name)
        r = other_api.get(url)
        assert r.status_code == 404 and "X-Accel-Redirect" not in r
    # A garment shown as a crop of the photo is made by Django, not read from a file.
    cropped = closet_a.garments[1]
    r = api.get(reverse("closet:garment-picture", args=[cropped.pk]))
    assert r.status_code == 200 and "X-Accel-Redirect" not in r and r["Content-Type"] == "image/jpeg"
    assert r.content[:3] == b"\xff\xd8\xff"
    assert r["Content-Disposition"] == f'inline; filename="garment-{cropped.pk}.jpg"'

    # Others: 404; nobody: the login page; a bad token: 401. Never a redirect header.
    client.force_login(other_user)
    anonymous = Client()
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    for url, *_ in _media_urls(closet_a):
        r = client.get(url)
        assert r.status_code == 404 and "X-Accel-Redirect" not in r
        r = anonymous.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))
        r = bad_token.get(url)
        assert r.status_code == 401 and "X-Accel-Redirect" not in r


def test_nginx_backend_missing_file_is_404(api, closet_a, sendfile_backend):
    sendfile_backend("nginx")
    garment = closet_a.garments[0]
    garment.mask.storage.delete(garment.mask.name)
    r = api.get(reverse("closet:garment-mask", args=[garment.pk]))
    assert r.status_code == 404 and "X-Accel-Redirect" not in r
    assert api.get(reverse("closet:garment-cutout", args=[garment.pk])).status_code == 200


def test_simple_backend_sends_the_bytes_with_conditional_get(api, other_api, closet_a, sendfile_backend):
    sendfile_backend("simple")
    for url, stored, content_type, download_name in _media_urls(closet_a):
        r = api.get(url)
        assert r.status_code == 200 and "X-Accel-Redirect" not in r
        with stored.open("rb") as fh:
            assert _body(r) == fh.read()
        _assert_private_headers(r, content_type, download_name, stored.name)
        assert int(r["Content-Length"]) == stored.size
        # Conditional requests: the same file again is a 304 without a body.
        again = api.get(url, HTTP_IF_NONE_MATCH=r["ETag"])
        assert again.status_code == 304 and _body(again) == b""
        assert api.get(url, HTTP_IF_MODIFIED_SINCE=r["Last-Modified"]).status_code == 304
        assert api.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
        assert other_api.get(url, HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 404


def test_no_public_media_url(client, user, closet_a, settings):
    assert settings.MEDIA_URL in ("", "/")  # Django's default: nothing maps MEDIA_ROOT to a URL
    client.force_login(user)  # not even the owner reaches a file by its storage name
    names = [closet_a.photos[0].image.name, closet_a.garments[0].mask.name, closet_a.garments[0].cutout.name]
    for name in names:
        for prefix in ("/media/", SENDFILE_URL, "/static/", "/"):
            assert client.get(prefix + name).status_code == 404, prefix + name


def test_storage_names_are_random_and_never_shown(api, client, user, closet_a):
    photo, garment = closet_a.photos[0], closet_a.garments[0]
    assert re.fullmatch(rf"photos/{user.pk}/[0-9a-f]{{32}}\.jpg", photo.image.name)
    assert re.fullmatch(rf"garments/{user.pk}/[0-9a-f]{{32}}-mask\.png", garment.mask.name)
    assert re.fullmatch(rf"garments/{user.pk}/[0-9a-f]{{32}}-cutout\.png", garment.cutout.name)
    assert "holiday" not in photo.image.name  # the uploaded file name is not used
    # The same bytes uploaded twice get two unrelated names.
    data = fixture_photos()[0].read_bytes()
    first, second = (services.photo_create(owner=user, uploaded_file=upload("same.jpg", data)) for _ in range(2))
    assert first.image.name != second.image.name
    tokens = {
        Path(n).stem.split("-")[0]
        for n in [first.image.name, second.image.name, photo.image.name]
        + [name for g in closet_a.garments for name in (g.mask.name, g.cutout.name)]
    }
    assert len(tokens) == 3 + 2 * len(closet_a.garments)

    # Neither the API nor the pages ever show a storage name: clients get owner-checked URLs.
    client.force_login(user)
    seen = [
        api.get("/api/photos/").content,
        api.get(f"/api/photos/{photo.pk}/").content,
        api.get("/api/garments/?state=all").content,
        api.get("/api/review/").content,
    ]
    seen += [
        client.get(u).content
        for u in (
            reverse("closet:photo-detail", args=[photo.pk]),
            reverse("closet:garment-detail", args=[garment.pk]),
            reverse("closet:closet") + "?state=all",
            reverse("closet:review"),
            reverse("closet:photo-list"),
        )
    ]
    for body in seen:
        text = body.decode()
        assert all(token not in text for token in tokens)
    detail = api.get(f"/api/photos/{photo.pk}/").json()
    # The URL carries a version (a hash, not the storage name) that changes with the file.
    assert re.fullmatch(
        re.escape(reverse("closet:photo-image", args=[photo.pk])) + r"\?v=[0-9a-f]{12}",
        detail["image_url"].removeprefix("http://testserver"),
    )

import datetime as dt
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import media_files, upload
from tests.factories import GarmentFactory

pytestmark = pytest.mark.django_db

STRONG = "plaid-wool-overcoat-1987"
ALICE_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """DRF keeps request counts in the (process-wide) cache: start every test with none."""
    cache.clear()
    yield
    cache.clear()


def test_argon2_is_the_default_hasher(user):
    assert user.password.startswith("argon2")


def test_signup_page_creates_user_and_logs_in(client):
    r = client.post(reverse("accounts:signup"), {"username": "carol", "password1": STRONG, "password2": STRONG})
    assert r.status_code == 302
    assert get_user_model().objects.filter(username="carol").exists()
    assert client.get(reverse("closet:closet")).status_code == 200


def test_signup_page_password_mismatch(client):
    r = client.post(reverse("accounts:signup"), {"username": "carol", "password1": STRONG, "password2": STRONG + "x"})
    assert r.status_code == 200
    assert "didn’t match" in r.content.decode() or "didn't match" in r.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()


def test_signup_page_weak_password(client):
    r = client.post(reverse("accounts:signup"), {"username": "carol", "password1": "123", "password2": "123"})
    body = r.content.decode()
    assert "too short" in body and "entirely numeric" in body
    assert not get_user_model().objects.filter(username="carol").exists()


def test_login_and_logout(client, user):
    r = client.post(reverse("accounts:login"), {"username": "alice", "password": "correct horse battery staple"})
    assert r.status_code == 302
    assert client.get(reverse("closet:closet")).status_code == 200
    assert client.get(reverse("accounts:logout")).status_code == 405  # logout is POST only
    assert client.post(reverse("accounts:logout")).status_code == 302
    r = client.get(reverse("closet:closet"))
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


def test_login_wrong_password(client, user):
    r = client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session


def test_api_signup_returns_token_that_works():
    c = APIClient()
    r = c.post("/api/auth/signup/", {"username": "dave", "password": STRONG, "password2": STRONG}, format="json")
    assert r.status_code == 201, r.content
    token = r.json()["token"]
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert c.get("/api/photos/").status_code == 200


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"username": "dave", "password": STRONG, "password2": "different-" + STRONG}, "password2"),
        ({"username": "dave", "password": "password", "password2": "password"}, "password"),
        ({"username": "dave", "password": "12345678901", "password2": "12345678901"}, "password"),
        ({"username": "", "password": STRONG, "password2": STRONG}, "username"),
    ],
)
def test_api_signup_validation(payload, field):
    r = APIClient().post("/api/auth/signup/", payload, format="json")
    assert r.status_code == 400
    assert field in r.json() and r.json()[field]
    assert not get_user_model().objects.filter(username="dave").exists()


def test_api_signup_duplicate_username(user):
    r = APIClient().post(
        "/api/auth/signup/", {"username": "Alice", "password": STRONG, "password2": STRONG}, format="json"
    )
    assert r.status_code == 400 and "username" in r.json()


def test_token_endpoint(user):
    c = APIClient()
    r = c.post("/api/auth/token/", {"username": "alice", "password": "correct horse battery staple"}, format="json")
    assert r.status_code == 200
    token = r.json()["token"]
    assert c.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json").status_code == 400
    assert c.get("/api/photos/").status_code == 401
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert c.get("/api/photos/").status_code == 200


def test_api_requires_auth():
    c = APIClient()
    for url in ["/api/photos/", "/api/garments/", "/api/categories/"]:
        assert c.get(url).status_code == 401


# --- login lockout (django-axes) ------------------------------------------------------------------


def _web_login(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_web_login_locks_out_after_the_failure_limit_then_cools_off(client, user, other_user, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 2
    for _ in range(limit - 1):
        r = _web_login(client, "alice", "wrong")
        assert r.status_code == 200 and b"lockout" not in r.content  # the form's error, not locked yet
    r = _web_login(client, "alice", "wrong")  # the limit-th failure locks
    assert r.status_code == 429
    body = r.content.decode()
    assert 'id="lockout"' in body and "Too many failed login attempts" in body
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"{minutes} minute" in body
    assert int(r["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    # While locked, even the right password is refused from this address ...
    r = _web_login(client, "alice", ALICE_PASSWORD)
    assert r.status_code == 429 and "_auth_user_id" not in client.session
    # ... but the lock is per username + address: the owner elsewhere and other users here still log in.
    assert _web_login(Client(REMOTE_ADDR="10.9.8.7"), "alice", ALICE_PASSWORD).status_code == 302
    assert _web_login(Client(), "bob", "another long passphrase 42").status_code == 302
    # Once the cool-off has passed, the right password works again and resets the count.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1))
    r = _web_login(client, "alice", ALICE_PASSWORD)
    assert r.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_successful_login_resets_the_failure_count(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _web_login(client, "alice", "wrong")
    assert _web_login(client, "alice", ALICE_PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _web_login(client, "alice", "wrong").status_code == 200  # counting from zero again


def test_api_token_goes_through_the_lockout(user, settings):
    c = APIClient()
    url = "/api/auth/token/"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = c.post(url, {"username": "alice", "password": "wrong"}, format="json")
        assert r.status_code == 400 and r.json()["non_field_errors"]
    r = c.post(url, {"username": "alice", "password": "wrong"}, format="json")
    assert r.status_code == 429, r.content
    assert "Too many failed login attempts" in r.json()["detail"]
    assert int(r["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    r = c.post(url, {"username": "alice", "password": ALICE_PASSWORD}, format="json")
    assert r.status_code == 429 and "token" not in r.json()
    assert not Token.objects.filter(user=user).exists()
    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.ip_address == "127.0.0.1" and attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    # The web login of the same username from the same address is locked too.
    assert _web_login(Client(), "alice", ALICE_PASSWORD).status_code == 429


def test_api_token_form_data_and_missing_fields(user):
    c = APIClient()
    assert c.post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}).status_code == 200
    r = c.post("/api/auth/token/", {"username": "alice"}, format="json")
    assert r.status_code == 400 and "password" in r.json()


# --- account deletion -----------------------------------------------------------------------------


def _closet(owner, jpeg_bytes: bytes, photos: int = 2):
    """``photos`` photos of ``owner`` (different real photos: the same one twice would be a duplicate
    waiting for review) with two garments each, one worn; returns the photos."""
    from tests.conftest import fixture_photos
    from wardrobe.closet import services

    made = []
    for i in range(photos):
        data = fixture_photos()[i].read_bytes()
        photo = services.photo_create(owner=owner, uploaded_file=upload(f"p{i}.jpg", data))
        garment = GarmentFactory(photo=photo)
        GarmentFactory(photo=photo, category="pants", type="jeans")
        services.garments_wear(garments=[garment], on=dt.date(2026, 1, 2 + i))
        made.append(photo)
    return made


def _user_rows(user_id: int) -> dict[str, int]:
    from accounts.models import Profile
    from wardrobe.closet.models import Garment, Photo, WearLog

    return {
        "photos": Photo.objects.filter(owner_id=user_id).count(),
        "garments": Garment.objects.filter(owner_id=user_id).count(),
        "wears": WearLog.objects.filter(owner_id=user_id).count(),
        "profile": Profile.objects.filter(user_id=user_id).count(),
        "token": Token.objects.filter(user_id=user_id).count(),
        "user": get_user_model().objects.filter(pk=user_id).count(),
    }


def _file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in media_files(root)}


def test_user_delete_removes_rows_files_and_folders_of_that_user_only(
    user, other_user, jpeg_bytes, media_root, django_capture_on_commit_callbacks
):
    from accounts import services
    from accounts.selectors import profile_get

    _closet(user, jpeg_bytes)
    _closet(other_user, jpeg_bytes, photos=1)
    for someone in (user, other_user):
        services.token_get_or_create(user=someone)
        profile_get(user=someone)
    AccessAttempt.objects.create(
        username="alice",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=2,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
    )
    AccessLog.objects.create(username="alice", ip_address="10.0.0.1", user_agent="x", http_accept="", path_info="/")
    AccessLog.objects.create(username="bob", ip_address="10.0.0.2", user_agent="x", http_accept="", path_info="/")
    stray = media_root / "garments" / str(user.pk) / "left-over.png"  # e.g. from a crashed task
    stray.write_bytes(b"orphan")
    own_dirs = [media_root / "photos" / str(user.pk), media_root / "garments" / str(user.pk)]
    assert all(d.is_dir() and any(d.iterdir()) for d in own_dirs)
    before = _user_rows(user.pk)
    assert before == {"photos": 2, "garments": 4, "wears": 2, "profile": 1, "token": 1, "user": 1}
    others_before = _user_rows(other_user.pk)
    others_files = {k: v for k, v in _file_bytes(media_root).items() if f"/{other_user.pk}/" in f"/{k}"}
    assert len(others_files) == 1 + 2 * 2  # one photo, two garments with a mask and a cutout

    user_id = user.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.user_delete(user=user, password=ALICE_PASSWORD)

    assert _user_rows(user_id) == dict.fromkeys(before, 0)
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["bob"]
    assert not any(d.exists() for d in own_dirs)
    assert _file_bytes(media_root) == others_files  # the other user's files, byte for byte
    assert _user_rows(other_user.pk) == others_before


def test_user_delete_needs_the_right_password(user, jpeg_bytes, media_root, django_capture_on_commit_callbacks):
    from accounts import services

    _closet(user, jpeg_bytes, photos=1)
    files = _file_bytes(media_root)
    for password in ("", "wrong"):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
            services.user_delete(user=user, password=password)
        assert "password" in exc.value.message_dict
    assert _user_rows(user.pk)["photos"] == 1 and _file_bytes(media_root) == files


def test_delete_account_page(client, user, other_user, jpeg_bytes, media_root, django_capture_on_commit_callbacks):
    _closet(user, jpeg_bytes, photos=1)
    _closet(other_user, jpeg_bytes, photos=1)
    client.force_login(user)
    settings_page = client.get(reverse("preferences:settings")).content.decode()
    assert reverse("accounts:delete") in settings_page
    page = client.get(reverse("accounts:delete"))
    assert page.status_code == 200 and b'name="password"' in page.content and b"csrfmiddlewaretoken" in page.content
    r = client.post(reverse("accounts:delete"), {"password": "wrong"})
    assert r.status_code == 400 and "The password is not correct." in r.content.decode()
    assert _user_rows(user.pk)["user"] == 1
    user_id = user.pk
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("accounts:delete"), {"password": ALICE_PASSWORD}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("accounts:login")
    assert "were deleted" in r.content.decode()
    assert "_auth_user_id" not in client.session
    assert _user_rows(user_id) == dict.fromkeys(_user_rows(user_id), 0)
    assert all(f"/{other_user.pk}/" in "/" + str(p.relative_to(media_root)) for p in media_files(media_root))
    assert _user_rows(other_user.pk)["garments"] == 2
    assert client.get(reverse("closet:closet")).status_code == 302  # logged out


def test_delete_account_api(api, user, other_api, jpeg_bytes, media_root, django_capture_on_commit_callbacks):
    _closet(user, jpeg_bytes, photos=1)
    r = api.post("/api/me/delete/", {"password": "wrong"}, format="json")
    assert r.status_code == 400 and r.json()["password"]
    r = api.post("/api/me/delete/", {}, format="json")
    assert r.status_code == 400 and "password" in r.json()
    assert api.get("/api/me/settings/").status_code == 200
    user_id = user.pk
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/me/delete/", {"password": ALICE_PASSWORD}, format="json")
    assert r.status_code == 204
    assert _user_rows(user_id) == dict.fromkeys(_user_rows(user_id), 0)
    assert media_files(media_root) == []
    assert api.get("/api/me/settings/").status_code == 401  # the token died with the account
    assert other_api.get("/api/me/settings/").status_code == 200


def test_wrong_delete_passwords_count_towards_the_lockout(api, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post("/api/me/delete/", {"password": "wrong"}, format="json").status_code == 400
    r = api.post("/api/me/delete/", {"password": "wrong"}, format="json")
    assert r.status_code == 429 and r["Retry-After"]
    r = api.post("/api/me/delete/", {"password": ALICE_PASSWORD}, format="json")
    assert r.status_code == 429
    assert _user_rows(user.pk)["user"] == 1


def test_account_endpoints_are_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    delete = schema["paths"]["/api/me/delete/"]["post"]
    assert {"204", "400", "429"} <= set(delete["responses"])
    ref = delete["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["required"] == ["password"]
    export = schema["paths"]["/api/me/export/"]["get"]
    assert "application/zip" in export["responses"]["200"]["content"]
    token = schema["paths"]["/api/auth/token/"]["post"]
    assert {"200", "400", "429"} <= set(token["responses"])


def test_a_signed_in_request_reads_the_user_and_profile_in_one_query(user, client, settings):
    """``accounts.backends.ModelBackend`` (pages) and ``TokenAuthentication`` (API) join the profile,
    whose language every request activates; a user without a profile yet gets one made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Profile
    from tests.conftest import api_client_for

    Profile.objects.filter(user=user).delete()
    client.force_login(user)
    assert client.get("/accounts/settings/").status_code == 200  # the profile made on first use
    Profile.objects.filter(user=user).update(language="ko")
    for get in (lambda: client.get("/accounts/settings/"), lambda: api_client_for(user).get("/api/me/settings/")):
        with CaptureQueriesContext(connection) as queries:
            r = get()
        assert r.status_code == 200 and r["Content-Language"] == "ko"
        reads = [q["sql"] for q in queries if 'FROM "accounts_profile"' in q["sql"] or '"accounts_profile"' in q["sql"]]
        assert len(reads) == 1 and "JOIN" in reads[0], reads

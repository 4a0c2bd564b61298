"""Request-size limits in the app (``wardrobe.core.upload_limits``): a 413 from ``Content-Length``
before the body is read, and an upload handler that never stores more than ``MAX_UPLOAD_BYTES`` of a
file. The same against a live gunicorn, measured on disk: ``test_request_limits_live.py``."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.services import token_get_or_create
from tests.conftest import media_files, upload
from tests.live import folder_bytes
from wardrobe.closet.models import Photo
from wardrobe.core import upload_limits
from wardrobe.core.upload_limits import LimitedUploadHandler, RequestBodyTooLarge

pytestmark = pytest.mark.django_db

GIB = 1 << 30
BOUNDARY = "limit-test-boundary"


def _api(user, **extra) -> Client:
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=user)}", **extra)


def _multipart(files: dict[str, bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data in files.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _announce_1_gib(client: Client, path: str, **extra):
    """POST 1 KiB while announcing 1 GiB: reading more than the 1 KiB would fail the test client."""
    return client.post(
        path,
        b"x" * 1024,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(GIB),
        **extra,
    )


@pytest.fixture
def tmpdir_uploads(settings, tmp_path):
    """Uploads always go to a temporary file, in a folder of the test's own."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return folder


def test_the_default_cap_is_the_forms_files_plus_room_for_its_fields(settings):
    assert settings.MAX_REQUEST_BYTES == settings.MAX_UPLOAD_FILES * settings.MAX_UPLOAD_BYTES + 4 * 1024 * 1024
    assert settings.FILE_UPLOAD_HANDLERS == ["wardrobe.core.upload_limits.LimitedUploadHandler"]


def test_an_announced_1_gib_body_is_a_json_413_under_api_before_it_is_read(user, settings):
    r = _announce_1_gib(_api(user), "/api/photos/")
    assert r.status_code == 413 and r["Content-Type"] == "application/json"
    limits = (f"{settings.MAX_REQUEST_BYTES:,}", f"{settings.MAX_UPLOAD_BYTES:,}")
    assert json.loads(r.content)["detail"] == (
        f"The request is too big: one request may hold at most {limits[0]} bytes, and each file at most "
        f"{limits[1]} bytes."
    )
    assert not Photo.objects.exists()


def test_an_announced_1_gib_form_is_a_413_page_in_the_users_language(client, user):
    client.force_login(user)
    r = _announce_1_gib(client, reverse("closet:upload"))
    assert r.status_code == 413 and r["Content-Type"].startswith("text/html")
    body = r.content.decode()
    assert "Upload too big" in body and "one request may hold at most" in body
    assert r["X-Frame-Options"] == "DENY"  # the middleware above it still add their headers

    korean = _announce_1_gib(Client(), reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="ko")
    with translation.override("ko"):
        heading = translation.gettext("Upload too big")
    assert korean.status_code == 413 and heading != "Upload too big" and heading in korean.content.decode()


def test_the_413_comes_before_the_csrf_check_and_the_lockout(settings):
    """An anonymous POST without a CSRF token: the size is refused first, nothing reads the body."""
    r = _announce_1_gib(Client(enforce_csrf_checks=True), reverse("accounts:login"))
    assert r.status_code == 413


def test_a_body_within_the_cap_is_untouched(user, jpeg_bytes, settings, django_capture_on_commit_callbacks):
    settings.MAX_REQUEST_BYTES = len(jpeg_bytes) + 1000
    r = _api(user).post("/api/photos/", {"image": upload("a.jpg", jpeg_bytes)})
    assert r.status_code == 202, r.content


def test_a_file_over_the_limit_is_never_stored_past_it(user, settings, tmpdir_uploads, monkeypatch):
    """At most MAX_UPLOAD_BYTES reach the temporary folder, measured after every chunk the handler
    receives; the answer keeps the upload service's message, with the file's real size."""
    settings.MAX_UPLOAD_BYTES = 200_000
    peak = []
    receive = LimitedUploadHandler.receive_data_chunk

    def measured(self, raw_data, start):
        result = receive(self, raw_data, start)
        peak.append(folder_bytes(tmpdir_uploads))
        return result

    monkeypatch.setattr(LimitedUploadHandler, "receive_data_chunk", measured)
    size = 1_000_000
    r = _api(user).post("/api/photos/", {"image": upload("big.jpg", bytes(size))})
    assert r.status_code == 400
    assert r.json() == {"image": [f"The file is too big: {size:,} bytes, the limit is 200,000 bytes."]}
    assert len(peak) > 10 and 0 < max(peak) <= 200_000 and peak[-1] == 0
    assert folder_bytes(tmpdir_uploads) == 0


def test_the_form_reports_the_big_file_and_keeps_the_others(client, user, jpeg_bytes, settings, tmpdir_uploads):
    settings.MAX_UPLOAD_BYTES = len(jpeg_bytes) + 10
    client.force_login(user)
    files = [upload("good.jpg", jpeg_bytes), upload("huge.jpg", bytes(3 * len(jpeg_bytes)))]
    r = client.post(reverse("closet:upload"), {"images": files})
    assert r.status_code == 400
    body = r.content.decode()
    assert "huge.jpg" in body and f"The file is too big: {3 * len(jpeg_bytes):,} bytes" in body
    assert Photo.objects.filter(owner=user).count() == 1 and len(media_files(settings.MEDIA_ROOT)) == 1
    assert folder_bytes(tmpdir_uploads) == 0


def test_a_stroke_file_over_the_limit_is_a_400_on_its_field(user, garment, settings):
    """The strokes field reads the file without looking at its size: reading refuses it."""
    settings.MAX_UPLOAD_BYTES = 1000
    r = _api(user).post(f"/api/garments/{garment.pk}/mask/", {"keep": upload("keep.png", bytes(5000), "image/png")})
    assert r.status_code == 400
    assert r.json() == {"keep": ["The file is too big: 5,000 bytes, the limit is 1,000 bytes."]}


@pytest.mark.parametrize("path", ["/api/photos/", "/upload/"])
def test_the_handler_refuses_a_body_the_middleware_let_through(client, user, settings, tmpdir_uploads, path):
    """As if the body came without a usable Content-Length: the handler stops at MAX_REQUEST_BYTES,
    the middleware answers the same 413."""
    settings.MAX_REQUEST_BYTES = 100_000
    settings.MAX_UPLOAD_BYTES = 10_000_000
    client.force_login(user)
    client.raise_request_exception = False
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(upload_limits, "announced_length", lambda request: 0)
    try:
        r = client.post(path, {"image" if path.startswith("/api/") else "images": upload("big.jpg", bytes(300_000))})
    finally:
        monkeypatch.undo()
    assert r.status_code == 413
    if path.startswith("/api/"):
        assert "one request may hold at most 100,000 bytes" in r.json()["detail"]
    else:
        assert "Upload too big" in r.content.decode()
    assert folder_bytes(tmpdir_uploads) == 0 and not Photo.objects.exists()


def test_without_the_middleware_the_handler_alone_answers_a_400_sentence(user, settings, tmpdir_uploads):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("RequestSizeLimitMiddleware")]
    settings.MAX_REQUEST_BYTES = 100_000
    r = _api(user).post("/api/photos/", {"image": upload("big.jpg", bytes(300_000))})
    assert r.status_code == 400 and r["Content-Type"] == "application/json" and r.json()
    assert folder_bytes(tmpdir_uploads) == 0


def test_the_handler_counts_what_it_reads_not_what_was_announced(rf, settings, tmpdir_uploads):
    """A body longer than its announced length (a server that would hand it over): reading stops
    at MAX_REQUEST_BYTES and the stored part is deleted."""
    settings.MAX_REQUEST_BYTES = 300_000
    settings.MAX_UPLOAD_BYTES = 10_000_000
    request = rf.post("/upload/")
    handler = LimitedUploadHandler(request)
    handler.handle_raw_input(io.BytesIO(), {}, 1000, BOUNDARY)
    handler.new_file("images", "big.jpg", "image/jpeg", None)
    chunk = bytes(64 * 1024)
    with pytest.raises(RequestBodyTooLarge):
        for start in range(0, 10_000_000, len(chunk)):
            handler.receive_data_chunk(chunk, start)
    assert handler.received <= 300_000 + len(chunk) and folder_bytes(tmpdir_uploads) == 0
    assert getattr(request, upload_limits.OVER_LIMIT_ATTRIBUTE) is True

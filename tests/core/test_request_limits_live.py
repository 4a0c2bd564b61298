"""Request-size limits against a real gunicorn with nothing in front (as docker-compose publishes it),
measured where the bytes would land: the temporary folder of the web process (``TMPDIR``, where
Django's upload handler writes files over ``FILE_UPLOAD_MAX_MEMORY_SIZE``), sampled every 2 ms.

``MAX_UPLOAD_BYTES`` is 1 MiB here, so ``MAX_REQUEST_BYTES`` is its default 20 x 1 MiB + 4 MiB = 24 MiB.
Each test prints its figures (``-s`` shows them); the README quotes them.
"""

from __future__ import annotations

import json
import time

import pytest

from accounts.services import token_get_or_create
from tests.live import PeakBytes, folder_bytes, live_gunicorn, multipart, stream_request

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FILE_LIMIT = 1 << 20
REQUEST_LIMIT = 20 * FILE_LIMIT + 4 * (1 << 20)
GIB = 1 << 30


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    """gunicorn with ``MAX_UPLOAD_BYTES`` = 1 MiB and its own ``TMPDIR``: yields ``(port, tmpdir)``."""
    from django.conf import settings

    folder = tmp_path_factory.mktemp("limits")
    tmpdir = folder / "tmp"
    tmpdir.mkdir()
    media = folder / "media"
    media.mkdir()
    env = {"TMPDIR": str(tmpdir), "MAX_UPLOAD_BYTES": str(FILE_LIMIT), "MEDIA_ROOT": str(media)}
    with live_gunicorn(settings, folder / "gunicorn.log", env=env) as port:
        yield port, tmpdir


def _headers(user, length: int | None = None) -> dict[str, str]:
    headers = {
        "Authorization": f"Token {token_get_or_create(user=user)}",
        "Content-Type": "multipart/form-data; boundary=limit-test-boundary",
        "Accept": "application/json",
    }
    if length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(length)
    return headers


def _held_while_stored(chunks, peak: PeakBytes, wait: float = 5.0):
    """``chunks`` of :func:`tests.live.multipart`, sent on as they come except that after the head and the
    first 1 MiB block (the file exactly at the limit, all of it kept) the sender waits until the server's
    temporary file shows up in the folder of ``peak`` (at most ``wait`` seconds), sampling it through
    ``peak`` so the bytes it saw count. Without that, a loaded machine can store and drop that part between
    two samples of the thread (CI saw 0 bytes twice: once without the pause, once with a pause that did
    not count what it saw)."""
    for index, chunk in enumerate(chunks):
        yield chunk
        if index == 1:
            deadline = time.monotonic() + wait
            while peak.sample() == 0 and time.monotonic() < deadline:
                time.sleep(0.002)


def _report(what: str, answer, peak: int) -> None:
    print(
        f"\n{what}: HTTP {answer.status} after {answer.seconds * 1000:.0f} ms, {answer.sent:,} body bytes sent "
        f"by then, at most {peak:,} bytes in TMPDIR"
    )


def test_a_1_gib_upload_is_refused_before_its_body_is_read(server, user):
    """The defect: a 1 GiB upload was written whole to the temporary folder (1,049 MB over 4.8 s)
    before its 400. Now the announced length answers 413 at once and nothing reaches the disk."""
    port, tmpdir = server
    length, chunks = multipart("image", "huge.jpg", GIB)
    with PeakBytes(tmpdir) as peak:
        answer = stream_request(port, "/api/photos/", _headers(user, length), chunks)
    _report("1 GiB upload", answer, peak.bytes)
    assert answer.status == 413, answer.body[:300]
    assert answer.headers["Content-Type"] == "application/json"
    assert f"{REQUEST_LIMIT:,}" in json.loads(answer.body)["detail"]
    assert peak.bytes == 0 and answer.seconds < 2 and answer.sent < 64 << 20
    assert folder_bytes(tmpdir) == 0


def test_an_announced_1_gib_with_a_tiny_body_is_answered_at_once(server, user):
    """Before, the worker waited for the gigabyte that never came (until gunicorn's time-out)."""
    port, _tmpdir = server
    answer = stream_request(port, "/api/photos/", _headers(user, GIB), [b"x" * 1024], timeout=10)
    assert answer.status == 413 and answer.seconds < 2
    assert "detail" in json.loads(answer.body)


def test_a_file_over_the_limit_never_puts_more_than_the_limit_on_disk(server, user):
    """An 8 MiB file in a body under the request cap: the handler stores at most MAX_UPLOAD_BYTES of it,
    drops that at the limit and reads the rest to nothing; the answer keeps the upload service's message."""
    port, tmpdir = server
    size = 8 * FILE_LIMIT
    length, chunks = multipart("image", "big.jpg", size)
    with PeakBytes(tmpdir) as peak:
        answer = stream_request(port, "/api/photos/", _headers(user, length), _held_while_stored(chunks, peak))
    _report("8 MiB file, 1 MiB limit", answer, peak.bytes)
    assert answer.status == 400, answer.body[:300]
    assert json.loads(answer.body) == {
        "image": [f"The file is too big: {size:,} bytes, the limit is {FILE_LIMIT:,} bytes."]
    }
    assert 0 < peak.bytes <= FILE_LIMIT
    assert folder_bytes(tmpdir) == 0
    assert not user.photos.exists()


def test_a_chunked_body_is_never_stored(server, user):
    """A body without ``Content-Length`` (``Transfer-Encoding: chunked``) is not read by Django at all:
    the upload is missing (a 400 with a sentence), nothing reaches the disk."""
    port, tmpdir = server
    _length, chunks = multipart("image", "big.jpg", 8 * FILE_LIMIT)
    framed = (b"%x\r\n%s\r\n" % (len(chunk), bytes(chunk)) for chunk in chunks)
    with PeakBytes(tmpdir) as peak:
        answer = stream_request(port, "/api/photos/", _headers(user), [*framed, b"0\r\n\r\n"])
    _report("8 MiB chunked", answer, peak.bytes)
    assert answer.status == 400 and answer.headers["Content-Type"] == "application/json"
    assert json.loads(answer.body)["image"]
    assert peak.bytes == 0

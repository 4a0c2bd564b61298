"""Live servers for tests: gunicorn on the test database, raw HTTP requests that stream a body while
the answer is read, and a sampler of how many bytes a folder holds.

Used by ``tests/core/test_request_limits_live.py`` and ``tests/core/test_nginx.py``.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO, _database_url, stop_process_group

#: Generous throttles: these tests count bytes and addresses, not rates.
QUIET_THROTTLES = {
    "THROTTLE_UPLOAD_RATE": "10000/min",
    "THROTTLE_USER_RATE": "10000/min",
    "THROTTLE_ANON_RATE": "10000/min",
    "THROTTLE_AUTH_RATE": "10000/min",
}


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    """Poll ``predicate`` until truthy and return its value; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@contextmanager
def live_gunicorn(
    settings, log_path: Path, env: dict[str, str] | None = None, workers: int = 2, args: tuple[str, ...] = ()
) -> Iterator[int]:
    """gunicorn serving ``wardrobe.wsgi`` on 127.0.0.1 and a free port, on the test database
    (``DEBUG=0``, photos never handed to a worker, throttles out of the way); ``env`` is added to its
    environment, ``args`` to its command line; it logs to ``log_path``. Yields the port; the process
    group is stopped on exit."""
    port = free_port()
    full_env = {
        **os.environ,
        **QUIET_THROTTLES,
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "CACHE_URL": "locmemcache://",
        "PHOTO_QUEUE_BACKEND": "wardrobe.closet.queue.NoQueue",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [sys.executable, "-m", "gunicorn", "wardrobe.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--timeout", "60", *args]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    url = f"http://127.0.0.1:{port}/accounts/login/"

    def ready() -> bool:  # any answer (a redirect to HTTPS too) means it serves
        try:
            return requests.get(url, allow_redirects=False, timeout=10).status_code < 500
        except (requests.ConnectionError, requests.Timeout):
            assert process.poll() is None, "gunicorn died:\n" + log_path.read_text()[-3000:]
            return False

    try:
        wait_for(ready, 60, "gunicorn to answer")
        yield port
    finally:
        stop_process_group(process)


def folder_bytes(folder: Path) -> int:
    """Bytes held by the files under ``folder`` now (files that vanish meanwhile count 0)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass
    return total


class PeakBytes:
    """``with PeakBytes(folder) as peak:`` samples :func:`folder_bytes` every ``interval`` seconds in a
    thread; ``peak.bytes`` is the most it saw (also once more on exit). :meth:`sample` takes one more
    sample from any thread (a sender that paused for the file counts what it saw)."""

    def __init__(self, folder: Path, interval: float = 0.002):
        self.folder, self.interval, self.bytes = folder, interval, 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        """Bytes under the folder now; the peak is raised to them. Thread-safe."""
        now = folder_bytes(self.folder)
        with self._lock:
            self.bytes = max(self.bytes, now)
        return now

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(self.interval)

    def __enter__(self) -> PeakBytes:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


@dataclass
class StreamedAnswer:
    """What :func:`stream_request` saw: the status, headers and body of the answer, the seconds from
    the first byte sent to the status line, and how many body bytes were sent until then."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float
    sent: int
    send_error: str | None = field(default=None)


def multipart(
    field_name: str, file_name: str, size: int, boundary: str = "limit-test-boundary"
) -> tuple[int, Iterable]:
    """A ``multipart/form-data`` body with one file of ``size`` zero bytes, as ``(length, chunks)``:
    the chunks are produced as they are sent (1 MiB at a time), so a 1 GiB body costs no memory."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{file_name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head
        block = bytes(1 << 20)
        left = size
        while left > 0:
            yield memoryview(block)[: min(left, len(block))]
            left -= len(block)
        yield tail

    return len(head) + size + len(tail), chunks()


def stream_request(
    port: int,
    path: str,
    headers: dict[str, str],
    chunks: Iterable,
    *,
    method: str = "POST",
    host: str = "127.0.0.1",
    source: str | None = None,
    timeout: float = 60,
) -> StreamedAnswer:
    """Send a request over a plain socket, the body from ``chunks`` in a thread, while the answer is
    read: as soon as the status line arrives the sending stops, as a browser or curl does with an
    early answer. ``headers`` are sent as given (``Content-Length`` or ``Transfer-Encoding: chunked``
    included); ``source``: the local address to connect from (e.g. ``127.0.0.2``)."""
    sock = socket.create_connection((host, port), timeout=timeout, source_address=(source, 0) if source else None)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    answered = threading.Event()
    sent = [0]
    send_error: list[str] = []

    def send() -> None:
        try:
            sock.sendall("\r\n".join(lines).encode())
            for chunk in chunks:
                if answered.is_set():
                    return
                sock.sendall(chunk)
                sent[0] += len(chunk)
        except OSError as exc:  # the server closed early (it answered, or reset the connection)
            send_error.append(repr(exc))

    started = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    response = http.client.HTTPResponse(sock, method=method)
    try:
        response.begin()
        seconds, sent_then = time.monotonic() - started, sent[0]
        answered.set()
        body = response.read()
    finally:
        answered.set()
        sender.join(timeout)
        sock.close()
    return StreamedAnswer(
        response.status, response.msg, body, seconds, sent_then, send_error[0] if send_error else None
    )

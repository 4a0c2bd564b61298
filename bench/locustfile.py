"""Locust users for ``bench.load``: people browsing their closet and people uploading photos, at once.

Run by ``python -m bench.load`` (which starts the servers, makes the accounts and reads the results);
on its own it needs the same environment variables:

* ``LOAD_USERS_FILE``: JSON ``{"browsers": [{"username", "password"}...], "uploaders": [{"username",
  "token"}...]}``; each simulated user takes the next account of its kind (round robin);
* ``LOAD_UPLOADERS``: how many of the ``-u`` users upload (locust's ``fixed_count``); the rest browse;
* ``LOAD_PHOTOS``: photo paths separated by ``os.pathsep``, uploaded in turn;
* ``LOAD_ACCEPTED_FILE``: each accepted upload's photo id is appended to it, one per line;
* ``LOAD_POLL_SECONDS`` (default 1), ``LOAD_POLL_TIMEOUT`` (seconds, default 300): how often and how
  long an uploader polls its photo until ``done`` / ``failed``;
* ``LOAD_MAX_IMAGES`` (default 8): images of a page a browser fetches, as a browser shows the first cards;
* ``LOAD_TIMEOUT`` (seconds, default 60, gunicorn's worker timeout): a request not answered by then
  is a failure.

A browser logs in through the login form (CSRF token from the form), lands on the closet, then,
with a think time of 1-3 s, opens the closet (with and without filters), an item page, the review
queue, the photo list, a photo page or the API garment list with filters, each with the images it
shows (owner-checked media URLs). An uploader posts a real photo to ``POST /api/photos/`` with its API token, polls it
until the worker has analysed it (reported as the ``PHOTO upload to done`` row: the time a person
waits for the result), fetches the garments found, then waits 2-8 s before the next photo.
Request names group ids as ``[id]`` so each endpoint is one row of the statistics.
"""

from __future__ import annotations

import itertools
import json
import mimetypes
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, task

_ACCOUNTS = (
    json.loads(Path(os.environ["LOAD_USERS_FILE"]).read_text())
    if os.environ.get("LOAD_USERS_FILE")
    else {"browsers": [], "uploaders": []}
)
_NEXT = {"browsers": itertools.count(), "uploaders": itertools.count()}
_PHOTOS = [Path(p) for p in os.environ.get("LOAD_PHOTOS", "").split(os.pathsep) if p]
_PHOTO_TURN = itertools.count()
_ACCEPTED_FILE = os.environ.get("LOAD_ACCEPTED_FILE", "")
POLL_SECONDS = float(os.environ.get("LOAD_POLL_SECONDS", "1"))
POLL_TIMEOUT = float(os.environ.get("LOAD_POLL_TIMEOUT", "300"))
MAX_IMAGES = int(os.environ.get("LOAD_MAX_IMAGES", "8"))
TIMEOUT = float(os.environ.get("LOAD_TIMEOUT", "60"))

_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_MEDIA_RE = re.compile(r'src="(/media/[^"]+)"')
_ID_RE = re.compile(r"/\d+(?=/|$)")
CLOSET_FILTERS = [
    "",
    "?state=all",
    "?state=clean&sort=most-worn",
    "?section=tops",
    "?sort=oldest",
    "?state=all&q=shirt",
]
API_FILTERS = [
    "?state=all",
    "?state=closet&sort=newest",
    "?review=true",
    "?section=bottoms",
    "?color=black",
    "?season=summer&state=all",
    "?state=all&sort=most-worn",
]


def _account(kind: str) -> dict:
    accounts = _ACCOUNTS[kind]
    if not accounts:
        raise RuntimeError(f"no {kind} accounts in LOAD_USERS_FILE")
    return accounts[next(_NEXT[kind]) % len(accounts)]


def _results(resp) -> list[dict]:
    """The ``results`` of a paginated API answer; empty when the request failed (already counted)."""
    return resp.json().get("results", []) if resp.ok else []


def _with_timeout(client) -> None:
    """Every request of ``client`` gives up after ``TIMEOUT`` seconds (then it counts as a failure)."""
    request = client.request
    client.request = lambda method, url, **kwargs: request(method, url, **{"timeout": TIMEOUT, **kwargs})


def group_name(path: str) -> str:
    """``/garments/12/cutout.png?x=1`` -> ``/garments/[id]/cutout.png``: one statistics row per endpoint."""
    return _ID_RE.sub("/[id]", path.split("?", 1)[0])


class BrowserUser(HttpUser):
    """A person looking through their closet in the web app (session login)."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        _with_timeout(self.client)
        self.garment_ids: list[int] = []
        self.photo_ids: list[int] = []
        account = _account("browsers")
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        found = _CSRF_RE.search(page.text or "")
        with self.client.post(
            "/accounts/login/",
            name="/accounts/login/",
            catch_response=True,
            data={
                "username": account["username"],
                "password": account["password"],
                "next": "",
                "csrfmiddlewaretoken": found.group(1) if found else "",
            },
            allow_redirects=False,
        ) as resp:
            if resp.status_code != 302:
                resp.failure(f"login refused: HTTP {resp.status_code}")
                return
            landing = resp.headers.get("Location", "/closet/")
        self._page(landing)  # where the login sends a person: the closet
        garments = _results(self.client.get("/api/garments/?state=all", name="/api/garments/?filters"))
        self.garment_ids = [g["id"] for g in garments]
        self.photo_ids = sorted({g["photo"] for g in garments})

    def _page(self, path: str) -> None:
        """A page and the images it shows (at most ``MAX_IMAGES``), as a browser would load them."""
        resp = self.client.get(path, name=group_name(path))
        for src in _MEDIA_RE.findall(resp.text or "")[:MAX_IMAGES]:
            self.client.get(src, name=group_name(src))

    @task(4)
    def closet(self) -> None:
        self._page("/closet/" + random.choice(CLOSET_FILTERS))

    @task(3)
    def item(self) -> None:
        if self.garment_ids:
            self._page(f"/garments/{random.choice(self.garment_ids)}/")

    @task(1)
    def review(self) -> None:
        self._page("/review/")

    @task(1)
    def photos(self) -> None:
        self._page("/photos/")

    @task(1)
    def photo(self) -> None:
        if self.photo_ids:
            self._page(f"/photos/{random.choice(self.photo_ids)}/")

    @task(2)
    def api_garments(self) -> None:
        resp = self.client.get("/api/garments/" + random.choice(API_FILTERS), name="/api/garments/?filters")
        for garment in _results(resp)[:3]:
            path = garment["cutout_url"].split("://", 1)[-1].split("/", 1)[-1]
            self.client.get("/" + path, name=group_name("/" + path))


class UploaderUser(HttpUser):
    """A person adding photos through the API (token), waiting for each result before the next."""

    fixed_count = int(os.environ.get("LOAD_UPLOADERS", "1"))
    wait_time = between(2, 8)

    def on_start(self) -> None:
        _with_timeout(self.client)
        account = _account("uploaders")
        self.client.headers["Authorization"] = f"Token {account['token']}"

    @task
    def upload(self) -> None:
        path = _PHOTOS[next(_PHOTO_TURN) % len(_PHOTOS)]
        started = time.monotonic()
        with self.client.post(
            "/api/photos/",
            name="/api/photos/",
            catch_response=True,
            files={"image": (path.name, path.read_bytes(), mimetypes.guess_type(path.name)[0] or "image/jpeg")},
        ) as resp:
            if resp.status_code != 202:
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:200]}")
                return
            photo_id = resp.json()["id"]
        if _ACCEPTED_FILE:
            with open(_ACCEPTED_FILE, "a") as f:
                f.write(f"{photo_id}\n")
        status = "pending"
        while status in ("pending", "processing") and time.monotonic() - started < POLL_TIMEOUT:
            time.sleep(POLL_SECONDS)
            resp = self.client.get(f"/api/photos/{photo_id}/", name="/api/photos/[id]/")
            if resp.ok:
                status = resp.json()["status"]
        elapsed_ms = (time.monotonic() - started) * 1000
        error = None if status == "done" else RuntimeError(f"photo {photo_id} ended {status!r}")
        self.environment.events.request.fire(
            request_type="PHOTO",
            name="upload to done",
            response_time=elapsed_ms,
            response_length=0,
            exception=error,
            context={},
        )
        if status == "done":
            self.client.get(f"/api/garments/?photo={photo_id}", name="/api/garments/?filters")

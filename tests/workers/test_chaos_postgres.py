"""Chaos, part two: a PostgreSQL of the test's own (never the machine's) stopped and started again,
and deletions while the worker writes garments. Real gunicorn, a real Celery worker (prefork, beat
running the sweeper) with the real pipeline, a ``redis-server`` of the test's own as broker and
cache (the production setting).

1. Deleting a photo while the worker is on it, and deleting an account while the worker is on one of
   its photos: both answer 204, everything is gone, nothing else is disturbed (issue 15, defect 2).
2. PostgreSQL stops while photos are being processed: the API answers ``503`` with ``Retry-After``
   and a sentence (never a 500, never HTML), the worker waits and retries; once PostgreSQL is back
   every photo that was accepted (202) ends ``done`` or ``failed`` with a sentence, none is lost, none
   is processed twice, and new uploads work.

Every HTTP answer is counted: no 500 anywhere; 503 only while PostgreSQL is down.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
import requests

from tests.conftest import REPO, fixture_photos, running_worker
from tests.workers.test_chaos import STACK_ENV, RedisServer, _free_port, _wait, gunicorn

pytestmark = [pytest.mark.e2e]

PASSWORD = "a long enough passphrase 7"


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL's {name} is not installed")
    return str(found[-1])


class PostgresServer:
    """A throw-away PostgreSQL cluster on a free loopback port (trust, no fsync), run as the
    ``postgres`` user when the test runs as root (``initdb`` refuses root)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="wardrobe-pg-"))
        os.chmod(self.dir, 0o755)
        self.data = self.dir / "data"
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/wardrobe"

    def _run(self, *args: str) -> None:
        cmd = (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + list(args)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="wardrobe") as conn:
            return conn.execute(query, params).fetchall()

    def remove(self) -> None:
        try:
            self.stop()
        except AssertionError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Http:
    """``requests`` with every answer's status counted (and the 5xx kept with their bodies)."""

    def __init__(self, base: str):
        self.base = base
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []

    def __call__(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Token {token}"} if token else {}
        r = requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        self.statuses[r.status_code] += 1
        if r.status_code >= 500:
            self.server_errors.append(f"{method} {path} -> {r.status_code} {r.headers.get('Content-Type')}: {r.text}")
        return r

    def signup(self, username: str) -> str:
        r = self("POST", "/api/auth/signup/", json={"username": username, "password": PASSWORD, "password2": PASSWORD})
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def upload(self, token: str, path: Path) -> requests.Response:
        with open(path, "rb") as fh:
            return self("POST", "/api/photos/", token, files={"image": (path.name, fh, "image/jpeg")})

    def status(self, token: str, photo_id: int) -> str | None:
        r = self("GET", f"/api/photos/{photo_id}/", token)
        return r.json()["status"] if r.status_code == 200 else None


def _catch_processing(http: Http, token: str, ids: list[int], timeout: float = 120) -> int:
    """The first of ``ids`` seen ``processing`` (polled every 50 ms)."""

    def seen():
        for pk in ids:
            if http.status(token, pk) == "processing":
                return pk
        return None

    return _wait(seen, timeout, "a photo in processing", interval=0.05)


def test_postgres_down_and_deletions_during_processing(settings, media_root, tmp_path):
    photos = fixture_photos()
    pg = PostgresServer()
    redis_server = RedisServer(tmp_path)
    try:
        pg.init()
        pg.start()
        pg._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "wardrobe")
        env = {**os.environ, "DATABASE_URL": pg.url, "SECRET_KEY": settings.SECRET_KEY, "DEBUG": "0"}
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        redis_server.start()
        own = SimpleNamespace(
            DATABASES={"default": {"USER": "postgres", "HOST": "127.0.0.1", "PORT": pg.port, "NAME": "wardrobe"}},
            SECRET_KEY=settings.SECRET_KEY,
        )
        web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
        with (
            gunicorn(own, media_root, redis_server.url, web_log, cache_url=redis_server.cache_url) as base,
            running_worker(own, media_root, worker_log, extra_env=STACK_ENV, beat=True, broker_url=redis_server.url),
        ):
            http = Http(base)
            bob, carol, alice = http.signup("bob"), http.signup("carol"), http.signup("alice")

            # 1a. Bob deletes the photo the worker is on.
            bob_ids = [http.upload(bob, p).json()["id"] for p in photos[:4]]
            victim = _catch_processing(http, bob, bob_ids)
            assert http("DELETE", f"/api/photos/{victim}/", bob).status_code == 204
            # 1b. Carol deletes her account while the worker is on one of her photos.
            carol_ids = [http.upload(carol, p).json()["id"] for p in photos[:3]]
            _catch_processing(http, carol, carol_ids, timeout=240)
            r = http("POST", "/api/me/delete/", carol, json={"password": PASSWORD})
            assert r.status_code == 204, r.text
            assert http("GET", "/api/photos/", carol).status_code == 401
            assert http.status(bob, victim) is None
            for pk in set(bob_ids) - {victim}:
                _wait(lambda pk=pk: http.status(bob, pk) in ("done", "failed"), 240, f"bob's photo {pk}")
            assert not pg.sql("SELECT 1 FROM auth_user WHERE username = 'carol'")
            assert not pg.sql("SELECT 1 FROM wardrobe_photo WHERE id = ANY(%s)", carol_ids + [victim])
            assert not pg.sql("SELECT 1 FROM wardrobe_garment WHERE photo_id = ANY(%s)", carol_ids + [victim])
            assert not (Path(media_root) / "photos" / str(carol_ids[0])).exists()

            # 2. PostgreSQL stops while Alice's photos are being processed, and comes back.
            accepted = [http.upload(alice, p).json()["id"] for p in photos]
            _catch_processing(http, alice, accepted)
            ok_before = sum(n for code, n in http.statuses.items() if code < 500)
            pg.stop()
            down = [
                http.upload(alice, photos[0]),
                http("GET", "/api/photos/", alice),
                http("GET", "/api/garments/", alice),
            ]
            for r in down:
                assert r.status_code == 503 and r.headers["Retry-After"] == "30", r.text
                assert r.json()["detail"] == "The closet cannot be reached right now. Try again in a minute."
            time.sleep(5)
            pg.start()
            assert http.statuses[503] == len(down) and sum(n for c, n in http.statuses.items() if c < 500) == ok_before
            r = http.upload(alice, photos[1])
            assert r.status_code == 202, r.text
            accepted.append(r.json()["id"])
            for pk in accepted:
                _wait(
                    lambda pk=pk: http.status(alice, pk) in ("done", "failed"),
                    300,
                    lambda pk=pk: f"alice's photo {pk}; worker log:\n" + worker_log.read_text()[-4000:],
                    interval=0.5,
                )
        rows = pg.sql("SELECT id, status, error_code FROM wardrobe_photo WHERE id = ANY(%s)", accepted)
        assert len(rows) == len(accepted)  # none lost
        assert all(status == "done" or (status == "failed" and code) for _pk, status, code in rows), rows
        twice = pg.sql(
            "SELECT photo_id, x0, y0, x1, y1, count(*) FROM wardrobe_garment GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1"
        )
        assert not twice, twice  # no photo processed twice
        assert http.statuses[500] == 0 and not [e for e in http.server_errors if "-> 503" not in e], http.server_errors
        logs = web_log.read_text() + worker_log.read_text()
        assert "IntegrityError" not in logs and "ForeignKeyViolation" not in logs
    finally:
        redis_server.kill()
        pg.remove()

"""A Redis cache that is down never takes the app down: the cache fails open.

The cache holds the throttle counters (API and the web login / sign-up forms), weather answers and
outfit pictures; sessions and the login lockout live in the database. With the README's production
``CACHE_URL=redis://...`` and Redis unreachable, every request still gets its normal answer (the
throttles count nothing meanwhile, and a warning is logged); once Redis is back the counters work
again.
"""

from __future__ import annotations

import logging
import runpy
import shutil
import socket
import subprocess
import time

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import REPO, api_client_for, upload

pytestmark = pytest.mark.django_db

ALICE_PASSWORD = "correct horse battery staple"
STRONG = "plaid-wool-overcoat-1987"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_caches(monkeypatch, cache_url: str) -> dict:
    """``CACHES`` exactly as ``wardrobe/settings.py`` builds them from this ``CACHE_URL``."""
    monkeypatch.setenv("CACHE_URL", cache_url)
    monkeypatch.setenv("SECRET_KEY", django_settings.SECRET_KEY)
    return runpy.run_path(str(REPO / "wardrobe" / "settings.py"))["CACHES"]


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The production cache setting, pointing at a loopback port where nothing listens, with no
    outage remembered: the OS may hand out the port of an earlier test again within ``RETRY_AFTER``,
    and the cache would then skip Redis without trying it, so without the warning (CI saw that)."""
    from wardrobe.core import cache as cache_module

    monkeypatch.setattr(cache_module, "_down_until", {})
    settings.CACHES = production_caches(monkeypatch, f"redis://127.0.0.1:{_free_port()}/1")


def test_the_production_cache_setting_is_redis_failing_open(monkeypatch):
    caches = production_caches(monkeypatch, "redis://redis:6379/1")
    assert caches["default"]["BACKEND"] == "wardrobe.core.cache.FailOpenRedisCache"
    assert caches["default"]["LOCATION"] == "redis://redis:6379/1"
    options = caches["default"]["OPTIONS"]
    assert 0 < options["socket_connect_timeout"] <= 2 and 0 < options["socket_timeout"] <= 2
    assert production_caches(monkeypatch, "locmemcache://")["default"]["BACKEND"].endswith("LocMemCache")


def test_redis_takes_keys_memcached_would_refuse_without_a_warning(settings, monkeypatch):
    """``FailOpenRedisCache.validate_key`` checks nothing (Django's memcached warnings cost CPU)."""
    import warnings

    from django.core.cache import cache

    settings.CACHES = production_caches(monkeypatch, "redis://127.0.0.1:6379/14")
    key = "a key with spaces and a tab\t " + "x" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.set_many({key: "long", "other key": 2}, 30)
        assert cache.get(key) == "long" and cache.get_many([key, "other key"]) == {key: "long", "other key": 2}
    cache.delete_many([key, "other key"])


def test_the_cache_answers_as_a_miss_while_redis_is_down(redis_down):
    from django.core.cache import cache

    assert cache.get("k", "miss") == "miss" and cache.get_many(["k", "l"]) == {} and not cache.has_key("k")
    assert cache.get_or_set("k", 3) == 3  # computed, not stored
    cache.set("k", 1)
    cache.set_many({"k": 1})
    cache.delete("k")
    cache.delete_many(["k"])
    cache.touch("k")
    cache.clear()
    with pytest.raises(ValueError):
        cache.incr("k")  # as for a missing key


def test_uploads_and_the_api_work_while_the_cache_is_down(redis_down, user, jpeg_bytes, caplog):
    api = api_client_for(user)
    with caplog.at_level(logging.WARNING, logger="wardrobe.core.cache"):
        started = time.monotonic()
        r = api.post("/api/photos/", {"image": upload("shirt.jpg", jpeg_bytes)}, format="multipart")
        assert r.status_code == 202, r.content
        assert r.json()["status"] == "pending"
        assert api.get("/api/photos/").json()["count"] == 1
        assert api.get("/api/garments/").status_code == 200
        assert api.get("/api/me/settings/").status_code == 200
        assert time.monotonic() - started < 10
    assert any("cache" in rec.getMessage().lower() for rec in caplog.records), caplog.text


def test_the_throttled_auth_endpoints_work_while_the_cache_is_down(redis_down, user):
    c = APIClient()
    r = c.post("/api/auth/token/", {"username": "alice", "password": ALICE_PASSWORD}, format="json")
    assert r.status_code == 200 and r.json()["token"]
    r = c.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json")
    assert r.status_code == 400
    r = c.post("/api/auth/signup/", {"username": "carol", "password": STRONG, "password2": STRONG}, format="json")
    assert r.status_code == 201
    r = c.post("/api/auth/signup/", {"username": "carol", "password": STRONG, "password2": STRONG}, format="json")
    assert r.status_code == 400
    assert c.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200  # anonymous rate


def test_the_web_login_and_sign_up_work_while_the_cache_is_down(redis_down, user, client):
    r = client.post(reverse("accounts:signup"), {"username": "carol", "password1": STRONG, "password2": STRONG})
    assert r.status_code == 302
    client.post(reverse("accounts:logout"))
    r = client.post(reverse("accounts:login"), {"username": "alice", "password": ALICE_PASSWORD})
    assert r.status_code == 302
    assert client.get(reverse("closet:closet")).status_code == 200


class _RedisServer:
    """A ``redis-server`` of the test's own on a free loopback port (no persistence)."""

    def __init__(self, workdir):
        self.port = _free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_throttles_count_in_redis_fail_open_while_it_is_down_and_count_again_when_it_is_back(
    settings, monkeypatch, tmp_path, user
):
    from rest_framework.throttling import SimpleRateThrottle

    server = _RedisServer(tmp_path)
    server.start()
    try:
        # retry_after=0: after a failure the next request tries Redis again (the default waits a few s).
        settings.CACHES = production_caches(monkeypatch, f"redis://127.0.0.1:{server.port}/1?retry_after=0")
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "2/min")
        c = APIClient()
        body = {"username": "alice", "password": ALICE_PASSWORD}

        def token():
            return c.post("/api/auth/token/", body, format="json").status_code

        assert [token(), token(), token()] == [200, 200, 429]  # counted in Redis
        server.stop()
        assert [token(), token(), token()] == [200, 200, 200]  # Redis down: not counted, never a 500
        server.start()  # back, empty
        assert [token(), token(), token()] == [200, 200, 429]
    finally:
        server.stop()

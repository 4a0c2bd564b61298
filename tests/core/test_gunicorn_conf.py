"""The web workers' gunicorn settings (``wardrobe/gunicorn_conf.py``): each worker freezes what it holds
for the garbage collector after its first request and after its warm-up, and every way this
repository starts the web server uses them."""

from __future__ import annotations

import gc
from pathlib import Path

from wardrobe import gunicorn_conf

REPO = Path(__file__).resolve().parents[2]


def test_a_worker_freezes_its_objects_after_its_first_request_and_its_warm_up(monkeypatch):
    monkeypatch.setattr(gunicorn_conf, "_served", 0)
    gc.unfreeze()
    frozen = []
    try:
        for _ in range(gunicorn_conf.WARM_UP_REQUESTS + 5):
            gunicorn_conf.post_request(None, None, {}, None)
            frozen.append(gc.get_freeze_count())
            gc.unfreeze()  # back as it was: what the next request's freeze finds is counted alone
    finally:
        gc.unfreeze()
    froze_at = [n for n, count in enumerate(frozen, start=1) if count]
    assert froze_at == [1, gunicorn_conf.WARM_UP_REQUESTS]
    assert min(frozen[0], frozen[gunicorn_conf.WARM_UP_REQUESTS - 1]) > 10_000  # the test process's objects


def test_every_way_of_starting_the_web_server_uses_the_settings():
    for path in ("Dockerfile", "docker-compose.yml", "bench/closet.py", "bench/load.py", "README.md"):
        text = (REPO / path).read_text()
        assert "python:wardrobe.gunicorn_conf" in text, path
        assert "gunicorn wardrobe.wsgi" not in text, path

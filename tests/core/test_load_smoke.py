"""bench/load.py end to end with tiny numbers: gunicorn + a real Celery worker + PostgreSQL + Redis,
two simulated people (one browsing, one uploading a real photo) for 10 s.

Only that the run is clean and the report is complete is checked here; the figures come from
running the script at real loads (README, "Load, measured"). Its own database
(``wardrobe_load_smoke``) and Redis db (8) keep it apart from the test suite's.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DB_NAME = "wardrobe_load_smoke"
REDIS_DB = 8


@pytest.mark.e2e
def test_load_script_runs_clean_and_reports_every_endpoint_and_upload(settings):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.load",
            "--users",
            "2",
            "--uploaders",
            "1",
            "--spawn-rate",
            "2",
            "--duration",
            "10",
            "--photos",
            str(ROOT / "tests" / "fixtures"),
            "--max-photos",
            "1",
            "--seed-photos",
            "1",
            "--web-workers",
            "2",
            "--db-name",
            DB_NAME,
            "--redis-db",
            str(REDIS_DB),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # the script stops its servers and drops its database
        out, err = proc.communicate(timeout=60)
        pytest.fail(f"bench.load did not finish in 300 s:\n{out}\n{err[-3000:]}")
    assert proc.returncode == 0, f"{out}\n{err[-3000:]}"

    assert re.search(r"^endpoint\s+requests\s+req/s\s+p50 ms\s+p95 ms\s+failures$", out, re.M), out
    # (The "PHOTO upload to done" row only appears when a photo is finished within the 10 s.)
    # Each browser logs in, lands on the closet and lists its garments first; each uploader uploads first.
    for endpoint in ("POST /accounts/login/", "GET /closet/", "GET /api/garments/?filters", "POST /api/photos/"):
        row = re.search(rf"^{re.escape(endpoint)}\s+(\d+)\s+[\d.]+\s+\d+\s+\d+\s+(\d+)$", out, re.M)
        assert row, f"no row for {endpoint}:\n{out}"
        assert int(row.group(1)) >= 1 and int(row.group(2)) == 0, row.group(0)
    uploads = re.search(r"uploads: accepted (\d+), done (\d+), failed (\d+), lost (\d+)", out)
    assert uploads, out
    accepted, done, failed, lost = map(int, uploads.groups())
    assert accepted >= 1 and done == accepted and failed == 0 and lost == 0, uploads.group(0)
    assert "lost 0" in out and re.search(r"^errors: 0 ", out, re.M), out

    # Nothing left behind: its database is dropped and its Redis db emptied.
    import psycopg
    import redis

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
    ) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone() is None
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    assert redis.Redis.from_url(f"{broker}/{REDIS_DB}").dbsize() == 0

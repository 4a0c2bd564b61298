"""The embedded default (SQLite): photos uploaded at the same time are all stored. The upload page sends
several at once, and the web server answers each in its own thread; before the database took its write
lock when a transaction began (``transaction_mode`` IMMEDIATE), most of 8 simultaneous uploads failed
with "database is locked" (a 500)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import threading
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from tests.factories import fixture_jpeg
from wardrobe.closet import services
from wardrobe.closet.models import Photo
user = get_user_model().objects.create_user(username="ann", password="x-long-password-1")
names = ["clothing_tshirt.jpg", "clothing_pants.jpg", "clothing_dress.jpg", "clothing_shoes.jpg"] * 2
barrier, errors = threading.Barrier(len(names)), []
def upload(i, name):
    barrier.wait()
    try:
        services.photo_create(owner=user, uploaded_file=SimpleUploadedFile(f"{i}-{name}", fixture_jpeg(name)))
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=upload, args=(i, n)) for i, n in enumerate(names)]
[t.start() for t in threads]
[t.join() for t in threads]
print(errors)
print(Photo.objects.filter(owner=user).count(), len(names))
"""


def test_simultaneous_uploads_are_all_stored(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PHOTO_QUEUE_BACKEND": "wardrobe.closet.queue.NoQueue",  # the photos wait for the sweeper
    }
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    migrate = run("migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    shell = run("shell", "-c", SCRIPT)
    assert shell.returncode == 0, shell.stderr[-3000:]
    errors, counts = shell.stdout.strip().splitlines()[-2:]
    assert errors == "[]"
    assert counts == "8 8"

"""The load script's accounts and closets (``bench.load``), made in this process through the project's
services; and the HTTP waits of its setup."""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import time
from pathlib import Path

from bench.load_processes import ROOT, SetupError, tail


def django_setup(env: dict) -> None:
    """Configure Django in this process on the load database; tasks sent from here go nowhere
    (``memory://`` broker): seeded photos are processed here, not by the worker."""
    os.environ.update(env)
    os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
    import django

    django.setup()


def make_accounts(n_browsers: int, n_uploaders: int) -> dict:
    """Users with random passwords (``accounts.services.user_create``) and API tokens.

    Returns ``{"browsers": [{"username", "password"}], "uploaders": [{"username", "token"}],
    "seed": {"username", "token"}}``.
    """
    from accounts.services import token_get_or_create, user_create

    def one(username: str) -> tuple:
        password = secrets.token_urlsafe(18)
        user = user_create(username=username, password=password, password2=password)
        return user, password

    accounts: dict = {"browsers": [], "uploaders": []}
    for i in range(n_browsers):
        user, password = one(f"load-browser-{i:03d}")
        accounts["browsers"].append({"username": user.username, "password": password})
    for i in range(n_uploaders):
        user, _ = one(f"load-uploader-{i:03d}")
        accounts["uploaders"].append({"username": user.username, "token": token_get_or_create(user=user)})
    user, _ = one("load-seed")
    accounts["seed"] = {"username": user.username, "token": token_get_or_create(user=user)}
    return accounts


def seed_closets(seed_username: str, usernames: list[str]) -> int:
    """Give each of ``usernames`` a copy of every photo of ``seed_username`` the worker analysed,
    with the same garments (the worker's detections, stored again through ``services``).
    Returns the number of garments written."""
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from vision.contract import Colour, GarmentInstance, Guess
    from wardrobe.closet import services
    from wardrobe.closet.models import Photo

    User = get_user_model()
    templates = []
    for photo in Photo.objects.filter(owner__username=seed_username, status=Photo.Status.DONE).order_by("id"):
        instances = []
        for g in photo.garments.select_related("category", "type").prefetch_related("colors").order_by("id"):
            with g.mask.open("rb") as f:
                mask = np.asarray(Image.open(f).convert("L")) > 0
            with g.cutout.open("rb") as f:
                cutout = Image.open(f).convert("RGBA")
            instances.append(
                GarmentInstance(
                    category=g.category.slug,
                    type=g.type.slug if g.type else None,
                    score=g.score,
                    detector_score=g.detector_score,
                    classifier_score=g.classifier_score,
                    box=(g.x0, g.y0, g.x1, g.y1),
                    mask=mask,
                    cutout=cutout,
                    colors=[
                        Colour(name=c.name, rgb=tuple(c.rgb), hex=c.hex, fraction=c.fraction) for c in g.color_list
                    ],
                    guesses=[Guess(**guess) for guess in g.guesses],
                )
            )
        with photo.image.open("rb") as f:
            templates.append((photo.original_filename or "photo.jpg", f.read(), instances))
    written = 0
    for user in User.objects.filter(username__in=usernames):
        for name, data, instances in templates:
            photo = services.photo_create(owner=user, uploaded_file=SimpleUploadedFile(name, data))
            done = services.process_photo(photo.pk, lambda _image, found=instances: found)
            if done is None or done.status != Photo.Status.DONE:
                raise SetupError(f"seeding {user.username}'s closet failed: {done and done.error}")
            written += len(instances)
    return written


def upload_counts(uploader_usernames: list[str], accepted: list[int]) -> dict:
    """Final state of the uploaders' photos: ``accepted``, ``done``, ``failed``, ``lost`` (accepted but
    missing or not finished), ``unacknowledged`` (stored, but the 202 never reached the client: the
    run stopped mid-request), ``pending`` (any of theirs not finished)."""
    from django.db import connections

    from wardrobe.closet.models import Photo

    connections.close_all()  # a fresh connection: the rows the worker wrote meanwhile
    status = dict(Photo.objects.filter(owner__username__in=uploader_usernames).values_list("id", "status"))
    accepted_set = set(accepted)
    finished = (Photo.Status.DONE, Photo.Status.FAILED)
    return {
        "accepted": len(accepted_set),
        "done": sum(status.get(i) == Photo.Status.DONE for i in accepted_set),
        "failed": sum(status.get(i) == Photo.Status.FAILED for i in accepted_set),
        "lost": sum(status.get(i) not in finished for i in accepted_set),
        "unacknowledged": len(set(status) - accepted_set),
        "pending": sum(s not in finished for s in status.values()),
    }


def wait_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"the web server exited with code {proc.returncode}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SetupError(f"the web server did not answer {url} within {timeout:.0f} s")


def wait_log(path: Path, text: str, proc: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"{what} exited with code {proc.returncode}:\n{tail(path)}")
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise SetupError(f"{what} not ready within {timeout:.0f} s:\n{tail(path)}")


def seed_uploads(host: str, token: str, photos: list[Path], timeout: float) -> None:
    """Upload ``photos`` through the API and wait until the worker has analysed each one."""
    import requests

    headers = {"Authorization": f"Token {token}"}
    ids = []
    for path in photos:
        with open(path, "rb") as f:
            r = requests.post(f"{host}/api/photos/", headers=headers, files={"image": (path.name, f)}, timeout=60)
        if r.status_code != 202:
            raise SetupError(f"seed upload of {path.name}: HTTP {r.status_code} {r.text[:300]}")
        ids.append(r.json()["id"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [requests.get(f"{host}/api/photos/{i}/", headers=headers, timeout=30).json()["status"] for i in ids]
        if all(s in ("done", "failed") for s in states):
            if "failed" in states:
                raise SetupError(f"the worker could not analyse a seed photo: {states}")
            return
        time.sleep(1)
    raise SetupError(f"the worker did not analyse the {len(ids)} seed photo(s) within {timeout:.0f} s")


def parse_args(argv: list[str] | None, description: str) -> argparse.Namespace:
    """The load script's command line (``description``: the first paragraph of its help)."""
    env_db = os.environ.get("DATABASE_URL", "")
    env_broker = os.environ.get("CELERY_BROKER_URL", "")
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20, help="simulated people in all (default 20)")
    ap.add_argument("--uploaders", type=int, default=2, help="how many of them upload (default 2)")
    ap.add_argument("--spawn-rate", type=float, default=5, help="users started per second (default 5)")
    ap.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    ap.add_argument(
        "--photos",
        action="append",
        default=None,
        help="folder (or file) of photos to upload, repeatable (default tests/fixtures)",
    )
    ap.add_argument("--max-photos", type=int, default=0, help="use only the first N photos (0: all)")
    ap.add_argument("--seed-photos", type=int, default=2, help="photos in each browser's closet (default 2)")
    ap.add_argument("--web-workers", type=int, default=3, help="gunicorn workers (default 3, as the Dockerfile)")
    ap.add_argument("--web-threads", type=int, default=1, help="threads per gunicorn worker (>1: gthread)")
    ap.add_argument("--db-name", default="wardrobe_load", help="database to create and drop (default wardrobe_load)")
    ap.add_argument(
        "--database-url",
        default=env_db if env_db.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server (its database name is ignored)",
    )
    ap.add_argument(
        "--redis-url",
        default=env_broker if env_broker.startswith("redis") else "redis://127.0.0.1:6379/0",
        help="Redis server (its db number is ignored)",
    )
    ap.add_argument("--redis-db", type=int, default=9, help="Redis db number to use and empty (default 9)")
    ap.add_argument(
        "--throttle",
        default="",
        help="API throttle rate for every scope during the run, e.g. 100000/min (default: the project's)",
    )
    ap.add_argument(
        "--request-timeout",
        type=float,
        default=60,
        help="seconds a simulated person waits for an answer before it counts as an error (default 60)",
    )
    ap.add_argument("--drain-timeout", type=float, default=300, help="seconds to wait for the worker after the run")
    ap.add_argument("--keep", action="store_true", help="keep the database, Redis db and temporary folder")
    args = ap.parse_args(argv)
    if "load" not in args.db_name:
        ap.error("--db-name must contain 'load' (the database is dropped and created again)")
    if not 0 <= args.uploaders <= args.users:
        ap.error("--uploaders must be between 0 and --users")
    args.photos = args.photos or [str(ROOT / "tests" / "fixtures")]
    return args

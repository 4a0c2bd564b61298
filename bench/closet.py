"""How fast the closet opens at any size: gunicorn (sync workers) on PostgreSQL, one user each with
500 / 5,000 / 20,000 garments beside neighbours' garments, timed request by request.

    PYTHONPATH=. .venv/bin/python -m bench.closet --sizes 500,5000,20000 --others 25000 --requests 60

Prints how fast the host runs Python at the time (a loop of 10^7 additions), then, per closet size
and URL, the wall-clock latency p50 / p95 (ms, measured by the client) and the web CPU per request
(ms: the user + system CPU seconds of gunicorn's processes over the measured requests, divided by
their count, via ``psutil``). The web processes use ``--cache-url`` (default Redis, as
docker-compose runs them). The database is made afresh (``--db-name``) and
dropped at the end. Garment rows are written with ``bulk_create`` (one stored photo and cutout per
user, shared by its rows: the files are not what is measured); categories, types, colours, seasons,
states, laundry and wear counts are drawn from a seeded generator so every run builds the same
closets. Before any row is measured, every worker is taken past its warm-up (:func:`warm_up`).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.load_processes import (
    ROOT,
    Processes,
    SetupError,
    cpu_seconds,
    database_urls,
    free_port,
    gunicorn_has_setting,
    recreate_database,
    tail,
)
from bench.load_setup import wait_http

URLS = [
    ("closet", "/closet/"),
    ("closet tops most-worn", "/closet/?section=tops&sort=most-worn"),
    ("closet state=all", "/closet/?state=all"),
    ("closet colour=navy", "/closet/?color=navy"),
    ("api garments", "/api/garments/"),
    ("review queue", "/review/"),
]
#: Rows measured right after an edit of the first garment shown (``change_closet``, before each
#: request): what a person sees first after marking an item worn.
CHANGED = [("closet, just changed", "/closet/"), ("api, just changed", "/api/garments/")]
COLOURS = ["black", "white", "navy", "grey", "beige", "red", "blue", "green", "brown", "pink"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="500,5000,20000", help="garments of each measured user, comma-separated")
    p.add_argument("--others", type=int, default=25000, help="garments of other users in the same database")
    p.add_argument("--requests", type=int, default=60, help="measured requests per URL (after 5 warm-up ones)")
    p.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--db-name", default="wardrobe_bench_closet")
    p.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/13",
        help="the web processes' CACHE_URL (default Redis, as docker-compose; locmemcache:// for one per process)",
    )
    p.add_argument("--seed", type=int, default=18)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return p.parse_args(argv)


def server_env(args: argparse.Namespace, tmp: Path) -> dict:
    media = tmp / "media"
    media.mkdir()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wardrobe.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_urls(args.database_url, args.db_name)[1],
        "CELERY_BROKER_URL": "memory://localhost/",
        "MEDIA_ROOT": str(media),
        "CACHE_URL": args.cache_url,
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "WARNING",
        "THROTTLE_USER_RATE": "1000000/min",
        "THROTTLE_ANON_RATE": "1000000/min",
    }


def seed_user(username: str, n: int, rng: random.Random) -> object:
    """A user with ``n`` garments written in bulk (see the module docstring); returns the user."""
    import io

    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.db import connection
    from PIL import Image

    from wardrobe.closet.models import Category, Garment, GarmentColor, GarmentType, Photo, Season

    user = get_user_model().objects.create_user(username=username, password=secrets.token_urlsafe(12))
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 50, 110)).save(buf, "JPEG")
    photo = Photo(owner=user, width=64, height=64, status=Photo.Status.DONE)
    photo.image.save("seed.jpg", ContentFile(buf.getvalue()), save=False)
    photo.save()
    buf = io.BytesIO()
    Image.new("RGBA", (64, 64), (30, 50, 110, 255)).save(buf, "PNG")
    template = Garment(owner=user, photo=photo, category=Category.objects.first(), score=0.9, x0=0, y0=0, x1=64, y1=64)
    template.cutout.save("seed.png", ContentFile(buf.getvalue()), save=False)
    template.mask.save("seed.png", ContentFile(buf.getvalue()), save=False)
    types = list(GarmentType.objects.select_related("category"))
    categories = list(Category.objects.all())
    seasons = list(Season.objects.all())
    rows = []
    for _ in range(n):
        t = rng.choice(types) if rng.random() < 0.8 else None
        status = rng.choices(["closet", "review", "archived"], [85, 5, 10])[0]
        worn = rng.random() < 0.7
        rows.append(
            Garment(
                owner=user,
                photo=photo,
                category=t.category if t else rng.choice(categories),
                type=t,
                score=rng.random(),
                x0=0,
                y0=0,
                x1=64,
                y1=64,
                mask=template.mask.name,
                cutout=template.cutout.name,
                status=status,
                archive_reason="donated" if status == "archived" else "",
                laundry="wash" if rng.random() < 0.2 else "clean",
                wear_count=rng.randint(1, 80) if worn else 0,
            )
        )
    made = Garment.objects.bulk_create(rows, batch_size=2000)
    GarmentColor.objects.bulk_create(
        [
            GarmentColor(garment=g, position=i, name=c, hex="#000000", fraction=0.5)
            for g in made
            for i, c in enumerate(rng.sample(COLOURS, rng.randint(1, 2)))
        ],
        batch_size=5000,
    )
    through = Garment.seasons.through
    through.objects.bulk_create(
        [through(garment_id=g.pk, season_id=s.pk) for g in made for s in rng.sample(seasons, rng.randint(0, 2))],
        batch_size=5000,
    )
    with connection.cursor() as cur:  # spread the dates (auto_now_add set them all to now)
        cur.execute(
            "UPDATE wardrobe_garment SET created_at = now() - (random() * interval '1000 days'),"
            " last_worn_on = CASE WHEN wear_count > 0 THEN (now() - (random() * interval '400 days'))::date END"
            " WHERE owner_id = %s",
            [user.pk],
        )
        cur.execute("ANALYZE")
    return user


def host_speed() -> str:
    """How fast this machine runs Python now (shared hosts vary by 1.5x from hour to hour): the CPU
    seconds of a pure-Python loop of 10^7 additions, the best of three."""
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        total = 0
        for i in range(10**7):
            total += i
        best = min(best, time.process_time() - t0)
    return f"a Python loop of 10^7 additions took {best:.2f} s of CPU"


def session_cookie(user) -> str:
    """A logged-in session for ``user`` (as the login view would make it)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b.lower())
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def change_closet(user) -> None:
    """An edit of the first garment the closet and the API list show (the newest: its ``wear_count``
    goes up by one, as marking it worn does), so that the user's closet version and that garment's
    revision change: the page is made again and that garment's card or data built again."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE wardrobe_garment SET wear_count = wear_count + 1, updated_at = now() WHERE id = ("
            "SELECT id FROM wardrobe_garment WHERE owner_id = %s AND status = 'closet'"
            " ORDER BY created_at DESC, id DESC LIMIT 1)",
            [user.pk],
        )


def warm_up(host: str, cookies: dict, workers: int) -> None:
    """Take every gunicorn worker past its warm-up (``wardrobe.gunicorn_conf``: a full collection and
    ``gc.freeze()`` after its first request and its ``WARM_UP_REQUESTS``-th, 0.1-0.2 s of CPU each)
    before anything is measured: ``WARM_UP_REQUESTS + 20`` closet pages per worker, asked by twice as
    many clients at once as there are workers, so that each worker serves its share. Without it, those
    one-off collections fell into whichever rows were measured then (2-3 ms more CPU a request there)."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from wardrobe.gunicorn_conf import WARM_UP_REQUESTS

    def get(_i: int) -> int:
        return requests.get(host + "/closet/", cookies=cookies, timeout=60).status_code

    with ThreadPoolExecutor(2 * workers) as pool:
        codes = list(pool.map(get, range((WARM_UP_REQUESTS + 20) * workers)))
    if set(codes) != {200}:
        raise SetupError(f"warm-up requests answered {sorted(set(codes))}")


def measure(host: str, path: str, headers: dict, cookies: dict, n: int, web: subprocess.Popen, before=None) -> tuple:
    """(p50 ms, p95 ms, web CPU ms per request, bytes of the last answer) over ``n`` requests, each
    after ``before()`` when given (neither timed nor counted in the web CPU: it runs in this process)."""
    import requests

    http = requests.Session()
    for _ in range(5):
        r = http.get(host + path, headers=headers, cookies=cookies, timeout=60)
        if r.status_code != 200:
            raise SetupError(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
    times = []
    cpu = 0.0
    for _ in range(n):
        if before is not None:
            before()
        cpu0 = cpu_seconds(web)
        t0 = time.perf_counter()
        r = http.get(host + path, headers=headers, cookies=cookies, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        cpu += cpu_seconds(web) - cpu0
    cpu = cpu * 1000 / n
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95, cpu, len(r.content)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    procs = Processes()
    with tempfile.TemporaryDirectory(prefix="bench-closet-") as tmp_name:
        tmp = Path(tmp_name)
        env = server_env(args, tmp)
        admin_url = database_urls(args.database_url, args.db_name)[0]
        try:
            recreate_database(admin_url, args.db_name)
            r = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True
            )
            if r.returncode:
                raise SetupError("migrate failed:\n" + r.stderr[-2000:])
            os.environ.update(env)
            import django

            django.setup()
            from accounts.services import token_get_or_create

            rng = random.Random(args.seed)
            t0 = time.perf_counter()
            others, i = args.others, 0
            while others > 0:
                seed_user(f"neighbour-{i}", min(others, 5000), rng)
                others, i = others - 5000, i + 1
            users = {n: seed_user(f"closet-{n}", n, rng) for n in sizes}
            print(f"Seeded {sum(sizes) + args.others} garments in {time.perf_counter() - t0:.0f} s", flush=True)
            port = free_port()
            cmd = [sys.executable, "-m", "gunicorn", "-c", "python:wardrobe.gunicorn_conf", "wardrobe.wsgi"]
            cmd += ["--bind", f"127.0.0.1:{port}"]
            cmd += ["--workers", str(args.workers), "--timeout", "120"]
            if gunicorn_has_setting("control_socket_disable"):
                cmd.append("--no-control-socket")
            web = procs.start("gunicorn", cmd, env, tmp / "gunicorn.log")
            host = f"http://127.0.0.1:{port}"
            wait_http(host + "/accounts/login/", web, 60)
            first = next(iter(users.values()))
            warm_up(host, {"sessionid": session_cookie(first)}, args.workers)
            print(f"gunicorn {args.workers} sync workers, PostgreSQL, cache {args.cache_url.split(':')[0]}, ", end="")
            print(f"{args.requests} requests per row, one at a time; {host_speed()}")
            print(f"{'garments':>8}  {'url':<24} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} {'KiB':>6}")
            for n, user in users.items():
                cookies = {"sessionid": session_cookie(user)}
                token = {"Authorization": f"Token {token_get_or_create(user=user)}"}
                rows = [(name, path, None) for name, path in URLS]
                rows += [(name, path, lambda user=user: change_closet(user)) for name, path in CHANGED]
                for name, path, before in rows:
                    api = path.startswith("/api/")
                    p50, p95, cpu, size = measure(
                        host, path, token if api else {}, {} if api else cookies, args.requests, web, before
                    )
                    print(f"{n:>8}  {name:<24} {p50:7.1f} {p95:7.1f} {cpu:7.1f} {size / 1024:6.0f}", flush=True)
        except SetupError as exc:
            print(f"error: {exc}\n{tail(tmp / 'gunicorn.log')}", file=sys.stderr)
            return 1
        finally:
            procs.stop_all()
            if not args.keep:
                from django.db import connections

                connections.close_all()
                recreate_database(admin_url, args.db_name, drop_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

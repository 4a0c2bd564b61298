"""How fast the statistics page and ``GET /api/stats/`` answer on a big closet (issue 18: p95 under
150 ms at 5,000 items and 50,000 wears).

    PYTHONPATH=. .venv/bin/python -m bench.stats --items 5000 --wears 50000 --runs 60

What it does, nothing of a deployment touched:

1. A throwaway PostgreSQL database (``--db``, default ``wardrobe_bench_stats`` on the server of
   ``--server``, default ``postgres://postgres@127.0.0.1:5432``): dropped if it exists, created and
   migrated; dropped again at the end (``--keep`` keeps it).
2. One user with ``--items`` garments (``bulk_create``: random categories and types of the taxonomy,
   1-3 colours, 0-2 seasons, 80 % priced, of them 5 % in USD, purchase dates over three years; 4 % archived and
   1 % waiting for review) and ``--wears`` wear-log rows over the last two years (a skewed choice of
   garments: a few are worn often, many rarely), their ``wear_count`` / ``last_worn_on`` set from the log
   as ``closet.services`` keeps them; and ``--others`` other users with ``--other-items`` garments and
   ``--other-wears`` wears each, so every query must stay in its owner's rows. Then ``ANALYZE``.
3. The overview's figures are checked against plain counts of the seeded rows (items, wears).
4. ``GET /stats/`` and ``GET /api/stats/`` through Django's test ``Client`` (logged in; the whole
   middleware stack, template and JSON rendering included), ``--warmup`` then ``--runs`` times each;
   prints p50, p95, mean (ms) and the number of SQL queries per request, and the same for the
   selector alone (``wardrobe.stats.selectors.closet_stats``).

The exit status is 1 when p95 of a page is over ``--budget-ms`` (default 150).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _database(server: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed_user(user, n_items: int, n_wears: int, rng: random.Random, today: dt.date) -> None:
    """``n_items`` garments and ``n_wears`` wears of ``user``, written with ``bulk_create``."""
    from django.db import connection

    from vocabulary.palette import COLOR_NAMES, hex_of
    from wardrobe.closet.models import Garment, GarmentColor, GarmentType, Photo, WearLog

    photo = Photo.objects.create(owner=user, image=f"photos/{user.pk}/bench.jpg", width=800, height=600, status="done")
    kinds = list(GarmentType.objects.values_list("category_id", "id"))
    seasons = ["spring", "summer", "autumn", "winter"]
    garments = []
    for i in range(n_items):
        category_id, type_id = rng.choice(kinds)
        roll = rng.random()
        status = "archived" if roll < 0.04 else ("review" if roll < 0.05 else "closet")
        priced = rng.random() < 0.8
        currency = "USD" if rng.random() < 0.05 else "KRW"
        garments.append(
            Garment(
                owner=user,
                photo=photo,
                category_id=category_id,
                type_id=type_id,
                score=0.9,
                x0=0,
                y0=0,
                x1=100,
                y1=100,
                mask=f"garments/{user.pk}/m{i}.png",
                cutout=f"garments/{user.pk}/c{i}.png",
                status=status,
                archive_reason="donated" if status == "archived" else "",
                name=f"item {i}",
                price=Decimal(rng.randrange(5, 400) * (1 if currency == "USD" else 1000)) if priced else None,
                currency=currency if priced else "",
                purchase_date=today - dt.timedelta(days=rng.randrange(0, 1100)) if rng.random() < 0.7 else None,
            )
        )
    garments = Garment.objects.bulk_create(garments, batch_size=1000)
    colors, through = [], Garment.seasons.through
    season_rows = []
    for g in garments:
        for pos, name in enumerate(rng.sample(COLOR_NAMES, rng.randint(1, 3))):
            colors.append(GarmentColor(garment=g, position=pos, name=name, hex=hex_of(name), fraction=0.3))
        for s in rng.sample(seasons, rng.randint(0, 2)):
            season_rows.append(through(garment_id=g.pk, season_id=s))
    GarmentColor.objects.bulk_create(colors, batch_size=2000)
    through.objects.bulk_create(season_rows, batch_size=2000)
    # Wears: a skewed choice of garments (Pareto weights) on days of the last two years, one per garment and day.
    wearable = [g.pk for g in garments if g.status != "review"]
    weights = [rng.paretovariate(1.2) for _ in wearable]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_wears:
        for gid in rng.choices(wearable, weights=weights, k=n_wears - len(pairs)):
            pairs.add((gid, rng.randrange(0, 730)))
    WearLog.objects.bulk_create(
        [WearLog(owner=user, garment_id=gid, worn_on=today - dt.timedelta(days=d)) for gid, d in pairs], batch_size=5000
    )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE wardrobe_garment g SET wear_count = w.n, last_worn_on = w.last FROM "
            "(SELECT garment_id, count(*) AS n, max(worn_on) AS last FROM wardrobe_wearlog WHERE owner_id = %s "
            "GROUP BY garment_id) w WHERE g.id = w.garment_id",
            [user.pk],
        )
        cur.execute("SELECT setseed(%s)", [rng.random() * 2 - 1])  # the same dates on every run of a --seed
        cur.execute(  # added over the last three years, not all today
            "UPDATE wardrobe_garment SET created_at = now() - (random() * interval '1100 days') WHERE owner_id = %s",
            [user.pk],
        )


def _time(fn, warmup: int, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        fn()
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        queries = len(ctx.captured_queries)
    return times, queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--wears", type=int, default=50000)
    parser.add_argument("--others", type=int, default=3, help="other users")
    parser.add_argument("--other-items", type=int, default=2000)
    parser.add_argument("--other-wears", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--budget-ms", type=float, default=150.0)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="wardrobe_bench_stats")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)

    _database(args.server, args.db)
    os.environ.update(
        DATABASE_URL=f"{args.server}/{args.db}",
        CELERY_BROKER_URL="memory://localhost/",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret"),
        DEBUG="0",
        ALLOWED_HOSTS="testserver",
        THROTTLE_USER_RATE="",
        CACHE_URL="locmemcache://",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from wardrobe.closet.models import Garment, WearLog
    from wardrobe.stats.selectors import closet_stats

    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        rng, today = random.Random(args.seed), timezone.localdate()
        User = get_user_model()
        user = User.objects.create_user("bench-stats")
        _seed_user(user, args.items, args.wears, rng, today)
        for i in range(args.others):
            _seed_user(User.objects.create_user(f"bench-other-{i}"), args.other_items, args.other_wears, rng, today)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # as autovacuum leaves a live database: index-only scans work
        print(
            f"seeded in {time.perf_counter() - t0:.1f} s: {args.items} items and {args.wears} wears for the user, "
            f"{args.others} other users with {args.other_items} items and {args.other_wears} wears each "
            f"({Garment.objects.count()} garments, {WearLog.objects.count()} wears in all)"
        )

        stats = closet_stats(user=user)
        active = Garment.objects.filter(owner=user, status="closet")
        assert stats["totals"]["items"] == active.count(), "items"
        assert stats["totals"]["wears"] == sum(active.values_list("wear_count", flat=True)), "wears"
        assert sum(r["count"] for r in stats["sections"]) == active.count(), "sections"
        print(
            f"checked: {stats['totals']['items']} active items, {stats['totals']['wears']} of their wears, "
            f"value {stats['value']['total']} {stats['currency']}, unworn 30/90/180 days: "
            + "/".join(str(u["count"]) for u in stats["unworn"])
        )

        client = Client()
        client.force_login(user)
        results = {}
        for label, fn in (
            ("GET /stats/", lambda: client.get("/stats/")),
            ("GET /api/stats/", lambda: client.get("/api/stats/")),
            ("closet_stats() alone", lambda: closet_stats(user=user)),
        ):
            if label.startswith("GET"):
                r = fn()
                assert r.status_code == 200, (label, r.status_code)
            times, queries = _time(fn, args.warmup, args.runs)
            results[label] = times
            print(
                f"{label:22s} p50 {_percentile(times, 0.5):6.1f} ms  p95 {_percentile(times, 0.95):6.1f} ms  "
                f"mean {statistics.fmean(times):6.1f} ms  {queries} queries/request  ({args.runs} runs)"
            )
        over = [k for k, v in results.items() if k.startswith("GET") and _percentile(v, 0.95) > args.budget_ms]
        if over:
            print(f"over the {args.budget_ms:.0f} ms budget: {', '.join(over)}")
        return 1 if over else 0
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _database(args.server, args.db, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())

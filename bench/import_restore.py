"""How long an export takes to come back: one account's closet exported, then imported into a fresh
account (``wardrobe.backup``: the whole archive checked, then written in one transaction), then
imported a second time (which adds nothing), in this process on PostgreSQL.

    PYTHONPATH=. .venv/bin/python -m bench.import_restore --photos 60 --garments-per-photo 2

Prints the closet's size (photos, garments, wears, outfits, calendar days, zip bytes) and the seconds
of each step: the export, the check of the archive (``importing.archive_check``: every picture
decoded), the writes (``restore.backup_restore``), and the second import; per garment in ms; and the
process's peak RSS. The photos are the committed fixture photos (``tests/fixtures``) uploaded through
``photo_create``; garments go through ``garment_create``. The database is made afresh
(``--db-name``) and dropped at the end; media go to a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import sys
import tempfile
import time


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--photos", type=int, default=60, help="photos of the exported account")
    p.add_argument("--garments-per-photo", type=int, default=2)
    p.add_argument("--wears", type=int, default=5, help="days each garment was worn")
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--db-name", default="wardrobe_bench_import")
    return p.parse_args(argv)


def _closet(user, args) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import fixture_photos
    from tests.factories import box_instance
    from wardrobe.closet import services
    from wardrobe.outfits import services as outfits

    photos = fixture_photos()
    garments = []
    categories = [("shirt-blouse", "shirt"), ("pants", "jeans"), ("coat", None), ("shoe", None)]
    for i in range(args.photos):
        path = photos[i % len(photos)]
        photo = services.photo_create(
            owner=user, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes(), "image/jpeg")
        )
        for j in range(args.garments_per_photo):
            category, kind = categories[(i + j) % len(categories)]
            garment = services.garment_create(photo=photo, instance=box_instance(photo, category, kind))
            services.garment_update(garment=garment, name=f"Item {i}-{j}", seasons=["spring", "autumn"])
            garments.append(garment)
    user.photos.update(status="done")  # as the worker leaves them
    user.garments.update(status="closet", duplicate_of=None)  # the fixtures repeat: no duplicate questions
    for g in garments:
        g.status = "closet"
    start = dt.date(2025, 1, 1)
    for k in range(args.wears):
        services.garments_wear(garments=garments, on=start + dt.timedelta(days=7 * k))
    for n in range(0, len(garments) - 2, 3):
        outfit = outfits.outfit_create(
            owner=user, name=f"Outfit {n}", items=[{"garment": g.pk} for g in garments[n : n + 3]]
        )
        outfits.plan_create(owner=user, outfit=outfit, date=start + dt.timedelta(days=n))


def run(args: argparse.Namespace) -> None:
    import django
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from wardrobe.backup.importing import archive_check
    from wardrobe.backup.restore import backup_restore
    from wardrobe.backup.services import backup_export_write, backup_import

    users = get_user_model().objects
    alice, carol = users.create(username="alice"), users.create(username="carol")
    _closet(alice, args)

    t0 = time.perf_counter()
    buf = io.BytesIO()
    doc = backup_export_write(user=alice, out=buf)
    t_export = time.perf_counter() - t0
    data = buf.getvalue()

    t0 = time.perf_counter()
    plan = archive_check(SimpleUploadedFile("export.zip", data, "application/zip"))
    t_check = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts = backup_restore(user=carol, plan=plan)
    t_write = time.perf_counter() - t0
    plan.archive.close()
    t0 = time.perf_counter()
    again = backup_import(user=carol, file=SimpleUploadedFile("export.zip", data, "application/zip"))
    t_again = time.perf_counter() - t0

    n = len(doc["items"])
    wears = sum(len(i["worn_on"]) for i in doc["items"])
    print(
        f"closet: {len(doc['photos'])} photos, {n} garments, {wears} wears, {len(doc['outfits'])} outfits, "
        f"{len(doc['plans'])} calendar days; zip {len(data):,} bytes"
    )
    print(f"export             {t_export:7.2f} s")
    print(f"import: check      {t_check:7.2f} s  ({1000 * t_check / n:.1f} ms per garment)")
    print(f"import: write      {t_write:7.2f} s  ({1000 * t_write / n:.1f} ms per garment)  added {counts}")
    print(f"import again       {t_again:7.2f} s  added {again}")
    print(f"peak RSS           {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bench.load_processes import database_urls, recreate_database

    admin_url, db_url = database_urls(args.database_url, args.db_name)
    recreate_database(admin_url, args.db_name)
    media = tempfile.TemporaryDirectory(prefix="bench-import-")
    os.environ.update(
        DATABASE_URL=db_url,
        MEDIA_ROOT=media.name,
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"),
        DJANGO_SETTINGS_MODULE="wardrobe.settings",
        PHOTO_QUEUE_BACKEND="wardrobe.closet.queue.NoQueue",
        MAX_PENDING_PHOTOS="0",
    )
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(admin_url, args.db_name, drop_only=True)
        media.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

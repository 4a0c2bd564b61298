"""Outfit suggestions for a hot, dry day and a cold, wet one, on a closet of real photos.

    python -m bench.suggestions_demo --photos ../shared/datasets/clothing-dataset/images --per-label 4
    python -m bench.suggestions_demo --photos ../shared/datasets/clothing-dataset/images --per-label 4 --use-labels

What it does, nothing of a deployment touched:

1. A throwaway database (a fresh SQLite file in a temporary folder, migrated) and a temporary
   ``MEDIA_ROOT``; Django's cache is the process's own (``locmemcache://``) and nothing is sent to
   a broker (the worker's work runs inline, as in ``bench/pipeline.py``).
2. A closet built from real photos: ``--per-label`` photos (0: all) of each ``--labels`` class of
   the clothing-dataset (``images.csv`` beside or inside the ``--photos`` folder; adult clothes only,
   photos of the validation contributors of ``vision.datasets`` first, so mostly photos the models
   never trained on, then by file name: the choice is deterministic). Each photo is uploaded with
   ``wardrobe.closet.services.photo_create`` and processed by the real pipeline
   (``workers.runtime.get_pipeline``, ``wardrobe.closet.services.process_photo``; ``--device``, default
   cpu). Every detection is filed in the closet as the model predicted it, category, type and
   colours (detections under the review threshold are confirmed as they are). How often the
   model's type and category agree with the dataset's label (the photo's largest detection) is
   printed. ``--use-labels`` simulates a user who reviewed the closet: the largest detection of each
   photo gets the type of the dataset's label (``vision.taxonomy.CLOTHING_TO_TYPE``; e.g.
   ``Outwear`` is a jacket) and the photo's other detections are rejected (one garment per photo).
   The output says which mode ran.
3. The loopback weather stub of the tests (``tests/weather/stub.py``, Open-Meteo-shaped, on
   127.0.0.1) serves today hot and dry and tomorrow cold and wet (``--today`` / ``--tomorrow``:
   ``MIN,MAX,MM,PERCENT``: °C, °C, mm of precipitation, % chance); the user's place is set by name
   (``--city``) through its place search, and each day's forecast comes from
   ``wardrobe.weather.selectors.forecast_for``.
4. ``--wash`` garments go in the wash: the top or one-piece of the first outfit suggested for
   today, then for tomorrow (so the demo shows they are then never suggested).
5. ``wardrobe.suggestions.services.suggest`` for today and tomorrow: for each day the forecast and the
   suggestions, each garment (id, type and category, dominant colour, clo, source photo and its
   dataset label), the outfit's clo against the target, the explanation line, and the reason when
   there are fewer than three. Then the same as markdown, for a closing note.

The rules are checked on the result (nothing in the wash suggested; every outfit complete; on a
cold or wet day outerwear and, when cold, no shorts; at most one accent colour); the exit status is
1 when one is broken, 2 for bad arguments or photos.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LABELS = "T-Shirt,Longsleeve,Shirt,Hoodie,Pants,Shorts,Skirt,Dress,Outwear,Shoes"
HOT_DRY = "24,31,0,5"  # °C min, °C max, mm, % chance
COLD_WET = "2,6,9,90"


@dataclass(frozen=True)
class Pick:
    """One photo of the dataset: its file, contributor and label."""

    path: Path
    sender_id: str
    label: str
    validation: bool
    kids: bool


def read_rows(photos: Path) -> list[dict]:
    """The ``images.csv`` rows of the clothing-dataset whose images are in ``photos`` (the
    ``images`` folder; the CSV is in it or in its parent). Raises ``SystemExit`` without a CSV."""
    for csv_path in (photos / "images.csv", photos.parent / "images.csv"):
        if csv_path.is_file():
            break
    else:
        raise SystemExit(f"no images.csv in {photos} or its parent folder")
    with open(csv_path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def pick_photos(photos: Path, labels: list[str], per_label: int) -> list[Pick]:
    """``per_label`` photos (0: all) of each label, deterministic: adult clothes first (``kids``
    False), then photos of validation contributors, then by file name; rows without an image file
    are skipped, and so is a label without photos."""
    from vision.datasets import is_clothing_val_sender

    by_label: dict[str, list[Pick]] = defaultdict(list)
    for row in read_rows(photos):
        path = photos / f"{row['image']}.jpg"
        if row["label"] in labels and path.is_file():
            by_label[row["label"]].append(
                Pick(
                    path,
                    row["sender_id"],
                    row["label"],
                    is_clothing_val_sender(row["sender_id"]),
                    row.get("kids") == "True",
                )
            )
    out = []
    for label in labels:
        rows = sorted(by_label[label], key=lambda p: (p.kids, not p.validation, p.path.name))
        out += rows[:per_label] if per_label else rows
    return out


def parse_day(text: str) -> tuple[float, float, float, int]:
    """``"MIN,MAX,MM,PERCENT"`` -> (temp_min_c, temp_max_c, precipitation_mm, probability)."""
    try:
        t_min, t_max, mm, pct = (v.strip() for v in text.split(","))
        return float(t_min), float(t_max), float(mm), int(pct)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX,MM,PERCENT, got {text!r}") from None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--photos", required=True, type=Path, help="the clothing-dataset images folder (images.csv in it or beside it)"
    )
    ap.add_argument("--per-label", type=int, default=4, help="photos per label (0: all)")
    ap.add_argument("--labels", default=DEFAULT_LABELS, help=f"dataset labels, comma separated ({DEFAULT_LABELS})")
    ap.add_argument(
        "--use-labels",
        action="store_true",
        help="give each photo's garment the dataset label's type (a user who reviewed the closet)",
    )
    ap.add_argument("--wash", type=int, default=2, help="garments put in the wash (at most 2)")
    ap.add_argument("--today", type=parse_day, default=parse_day(HOT_DRY), metavar="MIN,MAX,MM,PCT")
    ap.add_argument("--tomorrow", type=parse_day, default=parse_day(COLD_WET), metavar="MIN,MAX,MM,PCT")
    ap.add_argument("--city", default="Seoul", help="the user's place, looked up by name (stub's place search)")
    ap.add_argument("--language", default="en", help="language of the explanations (en, ko)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = ap.parse_args(argv)
    if not args.photos.is_dir():
        ap.error(f"no folder {args.photos}")
    labels = [v.strip() for v in args.labels.split(",") if v.strip()]

    sys.path.insert(0, str(ROOT))
    from tests.weather.stub import weather_stub

    tmp = tempfile.TemporaryDirectory(prefix="wardrobe-suggestions-")
    with weather_stub(daily={"today": args.today, "tomorrow": args.tomorrow}) as stub:
        # Everything this process writes goes to the temporary folder; no network, no broker.
        os.environ.update(
            {
                "DATABASE_URL": f"sqlite:///{tmp.name}/demo.sqlite3",
                "MEDIA_ROOT": f"{tmp.name}/media",
                "CACHE_URL": "locmemcache://",
                "CELERY_BROKER_URL": "memory://",
                "OPEN_METEO_URL": stub.forecast_url,
                "GEOCODING_URL": stub.search_url,
                "VISION_DEVICE": args.device,
                "LANGUAGE_CODE": args.language,
            }
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wardrobe.settings")
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
        try:
            return run(args, labels)
        finally:
            tmp.cleanup()


def run(args, labels: list[str]) -> int:
    import django
    import torch

    torch.set_num_threads(args.threads)
    os.environ["PHOTO_QUEUE_BACKEND"] = "wardrobe.closet.queue.NoQueue"  # the worker's work runs inline below
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.utils import timezone, translation

    from vision import taxonomy
    from vocabulary import roles
    from wardrobe.closet import services
    from wardrobe.closet.models import Garment
    from wardrobe.suggestions import rules
    from wardrobe.suggestions.services import suggest
    from wardrobe.weather.selectors import forecast_for
    from wardrobe.weather.services import weather_settings_set_place_by_name
    from workers.runtime import get_pipeline

    translation.activate(args.language)
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user(username="demo", password=secrets.token_urlsafe(16))

    picks = pick_photos(args.photos, labels, args.per_label)
    if not picks:
        print(f"No photo of {', '.join(labels)} under {args.photos}", file=sys.stderr)
        return 2
    missing = [label for label in labels if label not in {p.label for p in picks}]
    mode = (
        (
            "labels: each photo's garment has the dataset label's type, other detections rejected "
            "(a user who reviewed the closet)"
        )
        if args.use_labels
        else ("model: every detection filed as the model predicted it, category, type and colours")
    )
    print(f"Mode: {mode}")
    print(
        f"Photos: {len(picks)} ({args.per_label or 'all'} per label of {', '.join(labels)}; "
        f"{sum(p.validation for p in picks)} from validation contributors, {sum(p.kids for p in picks)} "
        f"kids' clothes) from {args.photos}" + (f"; no photo of {', '.join(missing)}" if missing else "")
    )

    t = time.perf_counter()
    pipeline = get_pipeline()
    print(f"Pipeline loaded on {pipeline.device} in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    label_of_photo: dict[int, str] = {}
    agree_type = agree_category = no_garment = rejected = 0
    predicted: dict[str, Counter] = defaultdict(Counter)
    for pick in picks:
        photo = services.photo_create(
            owner=user, uploaded_file=SimpleUploadedFile(pick.path.name, pick.path.read_bytes())
        )
        photo = services.process_photo(photo.pk, pipeline)
        if photo is None or photo.status != photo.Status.DONE:
            print(f"  {pick.path.name}: processing failed: {photo.error if photo else 'photo gone'}")
            return 2
        label_of_photo[photo.pk] = pick.label
        found = sorted(
            Garment.objects.filter(photo=photo).select_related("category", "type"),
            key=lambda g: -(g.box_width * g.box_height),
        )
        if not found:
            no_garment += 1
            predicted[pick.label]["(nothing)"] += 1
            continue
        main_garment = found[0]
        label_type = taxonomy.CLOTHING_TO_TYPE[pick.label]
        pred_type = main_garment.type.slug if main_garment.type_id else None
        predicted[pick.label][pred_type or main_garment.category.slug] += 1
        agree_type += pred_type == label_type or taxonomy.TYPE_TO_EVAL_LABEL.get(pred_type or "") == pick.label
        agree_category += main_garment.category.slug == taxonomy.category_of_type(label_type)
        if args.use_labels:
            services.garment_confirm(garment=main_garment, type=label_type)
            for extra in found[1:]:
                services.garment_reject(garment=extra)
                rejected += 1
        else:
            services.photo_confirm_all(photo=photo)
    process_s = time.perf_counter() - t
    print(f"Processed {len(picks)} photos in {process_s:.0f} s ({process_s / len(picks):.1f} s per photo)")
    detected = len(picks) - no_garment
    print(
        f"Model vs dataset label (largest detection of each photo): type agrees on {agree_type}/{detected}, "
        f"category on {agree_category}/{detected}; {no_garment} photo(s) with no detection"
    )
    for label in (label for label in labels if predicted[label]):
        print(f"  {label:<11} -> " + ", ".join(f"{k} x{n}" for k, n in predicted[label].most_common()))
    if args.use_labels:
        print(f"Rejected {rejected} extra detection(s) (one garment per photo)")

    closet = Garment.objects.filter(owner=user, status=Garment.Status.CLOSET)
    by_kind = Counter(g.kind for g in closet.select_related("category", "type"))
    print(f"Closet: {closet.count()} garments: " + ", ".join(f"{k} x{n}" for k, n in by_kind.most_common()))

    weather_settings_set_place_by_name(user=user, name=args.city)
    today = timezone.localdate()
    days = [("Today", today), ("Tomorrow", today + dt.timedelta(days=1))]
    forecasts = {day: forecast_for(user=user, date=day) for _name, day in days}

    # The wash: the top (or one-piece) of each day's first suggestion, so the demo shows it is then left out.
    washed: list[Garment] = []
    for _name, day in days:
        if len(washed) >= min(args.wash, 2):
            break
        first = suggest(user=user, forecast=forecasts[day])
        core = [
            g
            for g in (first[0].garments if first else [])
            if g.category.slug in roles.TOP_CATEGORIES | roles.ONE_PIECE_CATEGORIES and g not in washed
        ]
        if core:
            washed.append(core[-1])
    services.garments_set_laundry(garments=washed, laundry=Garment.Laundry.WASH)
    washed_ids = {g.pk for g in washed}

    def garment_line(g: Garment) -> tuple[str, str]:
        color = g.dominant_color or "no colour"
        kind = g.kind if not g.type_id else f"{g.kind} ({g.category.display_name})"
        name = g.photo.original_filename
        label = label_of_photo.get(g.photo_id, "?")
        text = f"#{g.pk:<4} {kind:<44} {color:<11} {g.warmth:.2f} clo  {name} [label {label}]"
        md = f"#{g.pk} {g.kind} ({color}, {g.warmth:.2f} clo, `{name[:8]}…` {label})"
        return text, md

    if washed:
        print(
            "In the wash (each was in a first suggestion before): "
            + "; ".join(f"#{g.pk} {g.kind} ({g.photo.original_filename})" for g in washed)
        )

    problems: list[str] = []
    markdown = [
        f"**Mode:** {mode}. Closet: {closet.count()} garments from {len(picks)} photos of the "
        f"clothing-dataset ({args.per_label or 'all'} per label); model type agrees with the label on "
        f"{agree_type}/{detected} photos.",
        "In the wash: " + (", ".join(f"#{g.pk} {g.kind}" for g in washed) or "nothing") + ".",
    ]
    for title, day in days:
        f = forecasts[day]
        result = suggest(user=user, forecast=f)
        weather = (
            f"{f.temp_min_c:g}–{f.temp_max_c:g} °C (mean {f.temp_mean_c:g} °C), {f.precipitation_mm:g} mm, "
            f"{f.precipitation_probability} % chance: {'wet' if f.wet else 'dry'}; "
            f"target {rules.target_clo(f.temp_mean_c):.2f} clo"
        )
        print(f"\n== {title} {day.isoformat()}: {weather} (source {f.source})")
        markdown += ["", f"### {title} ({day.isoformat()}): {weather}", ""]
        if result:
            markdown += ["| # | garments | clo / target | explanation |", "| --- | --- | --- | --- |"]
        for i, s in enumerate(result, 1):
            print(f" {i}. {s.explanation}    [{s.clo:.2f} clo, target {s.target_clo:.2f}]")
            lines = [garment_line(g) for g in s.garments]
            for text, _md in lines:
                print(f"      {text}")
            markdown.append(
                f"| {i} | {'<br>'.join(md for _t, md in lines)} | {s.clo:.2f} / {s.target_clo:.2f} | {s.explanation} |"
            )
            problems += check(s, f, washed_ids)
        if len(result) < 3:
            print(f" Fewer than three: {result.reason}")
            markdown += ([""] if result else []) + [f"Fewer than three: {result.reason}"]
    print(
        "\nChecks: "
        + (
            "; ".join(problems)
            if problems
            else "none in the wash suggested, every outfit complete, outerwear on the cold/wet day "
            "and no shorts when cold, at most one accent colour: all hold"
        )
    )
    print("\n--- markdown ---\n" + "\n".join(markdown))
    return 1 if problems else 0


def check(s, forecast, washed_ids: set[int]) -> list[str]:
    """The issue's rules on one suggestion; a list of what is broken (empty: all hold)."""
    from vocabulary import roles
    from wardrobe.suggestions import rules

    cats = [g.category.slug for g in s.garments]
    types = {g.type.slug for g in s.garments if g.type_id}
    out = []
    if washed_ids & {g.pk for g in s.garments}:
        out.append(f"{s.date}: an item in the wash was suggested")
    has = lambda group: any(c in group for c in cats)  # noqa: E731
    if not ((has(roles.TOP_CATEGORIES) and has(roles.BOTTOM_CATEGORIES)) or has(roles.ONE_PIECE_CATEGORIES)) or not has(
        roles.SHOE_CATEGORIES
    ):
        out.append(f"{s.date}: incomplete outfit {cats}")
    cold = forecast.temp_mean_c < rules.NO_SHORTS_BELOW_C
    if (cold or forecast.wet) and not has(roles.OUTERWEAR_CATEGORIES):
        out.append(f"{s.date}: cold or wet without outerwear")
    if cold and (has(roles.SHORTS_CATEGORIES) or types & roles.SHORTS_TYPES):
        out.append(f"{s.date}: shorts on a cold day")
    if len({rules.accent(g.dominant_color) for g in s.garments} - {None}) > 1:
        out.append(f"{s.date}: two accent colours")
    return out


if __name__ == "__main__":
    sys.exit(main())

"""bench/suggestions_demo.py: suggestions for a hot, dry day and a cold, wet one on a closet built by
the real pipeline from real photos; and the suggestion-search bug that script found on real data."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import FIXTURES, upload
from tests.factories import GarmentFactory
from wardrobe.closet import services
from wardrobe.suggestions.search import _CAPS
from wardrobe.suggestions.services import suggest
from wardrobe.weather.forecast import DayForecast

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_demo_prints_two_days_of_suggestions_or_reasons_from_real_photos():
    # The fixtures' clothing-dataset (same layout as the shared one): T-shirt, pants, shoes, dress.
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.suggestions_demo",
            "--photos",
            str(FIXTURES / "datasets" / "clothing-dataset" / "images"),
            "--per-label",
            "1",
            "--use-labels",
            "--threads",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert out.startswith("Mode: labels")
    assert "Processed 4 photos" in out
    assert re.search(r"Closet: [4-9] garments", out), out
    text, markdown = out.split("--- markdown ---")
    days = re.split(r"^== ", text, flags=re.M)[1:]
    assert [d.split()[0] for d in days] == ["Today", "Tomorrow"], out
    assert "dry; target" in days[0] and "wet; target" in days[1]
    for section in days:
        suggestions = re.findall(r"^ \d\. .+\[(\d\.\d\d) clo, target (\d\.\d\d)\]$", section, flags=re.M)
        reason = re.search(r"^ Fewer than three: (.+)$", section, flags=re.M)
        assert suggestions or reason, section
        assert len(suggestions) == 3 or reason, section
    # The closet has no outerwear: the cold, wet day says so instead of suggesting anything.
    assert "No clean jacket or coat" in days[1] and not re.search(r"^ 1\. ", days[1], flags=re.M)
    assert re.search(r"^ 1\. \d+ °C, dry: ", days[0], flags=re.M), days[0]
    # What is put in the wash is never suggested (the script also checks every rule itself).
    washed = re.search(r"^In the wash \(.*?\): (.+)$", text, flags=re.M)
    assert washed, text
    for pk in re.findall(r"#(\d+) ", washed.group(1)):
        assert not re.search(rf"^ +#{pk} ", "".join(days), flags=re.M)
    assert "all hold" in text
    assert "### Today" in markdown and "### Tomorrow" in markdown


@pytest.mark.django_db
def test_every_kind_of_top_takes_part_however_many_tops_there_are(user):
    """Found by the demo on real data: the candidates per role were cut to ``_CAPS`` at random, so a
    closet with many T-shirts and one hoodie often lost the hoodie on a cold day and suggested
    0.7 clo against 1.25. Now each kind of garment takes part: the hoodie outfit comes first."""
    photos = {
        kind: services.photo_create(
            owner=user, uploaded_file=upload(f"{kind}.jpg", (FIXTURES / f"clothing_{kind}.jpg").read_bytes())
        )
        for kind in ("tshirt", "pants", "shoes")
    }
    tshirts = [
        GarmentFactory(photo=photos["tshirt"], category="top-t-shirt-sweatshirt", type="t-shirt")
        for _ in range(3 * _CAPS["top"])
    ]
    hoodie = GarmentFactory(photo=photos["tshirt"], category="top-t-shirt-sweatshirt", type="hoodie")
    GarmentFactory(photo=photos["pants"], category="pants", type="pants")
    GarmentFactory(photo=photos["tshirt"], category="jacket", type="jacket")
    GarmentFactory(photo=photos["shoes"], category="shoe", type="shoes")
    assert len(tshirts) > _CAPS["top"]
    start = timezone.localdate()
    for offset in range(6):  # the cut was seeded by the day: several days
        date = start + dt.timedelta(days=offset)
        cold_wet = DayForecast(
            date=date,
            temp_min_c=2,
            temp_max_c=6,
            precipitation_mm=9,
            precipitation_probability=90,
            weather_code=None,
            source="test",
        )
        result = suggest(user=user, forecast=cold_wet)
        assert result, result.reason
        assert hoodie in result[0].garments, (date, [g.kind for g in result[0].garments])

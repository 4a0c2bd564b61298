"""``python -m vision.predict`` on a folder of real photos: one JSON and one main-garment mask per
photo, EXIF orientation applied, unreadable files reported and skipped. No Django here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.vision.conftest import FIXTURES, ROOT
from vision import taxonomy

pytestmark = pytest.mark.vision


def _predict(images: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vision.predict", "--images", str(images), "--out", str(out), "--threads", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def predicted(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """Two fixture photos, the street photo rotated by its EXIF tag only, and a broken file, predicted."""
    images = tmp_path_factory.mktemp("images")
    shutil.copy(FIXTURES / "clothing_pants.jpg", images / "pants.jpg")
    street = Image.open(FIXTURES / "ccp_0016.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    street.transpose(Image.Transpose.ROTATE_90).save(images / "street.JPG", exif=exif)
    (images / "broken.jpg").write_bytes(b"not a photo")
    (images / "notes.txt").write_text("not a photo either, and not looked at")
    out = tmp_path_factory.mktemp("out")
    return images, out, _predict(images, out)


def test_writes_json_and_mask_per_photo(predicted, pipeline):
    images, out, run = predicted
    assert run.returncode == 1  # one photo failed
    assert "broken.jpg" in run.stderr and "notes.txt" not in run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1])["photos"] == 2
    assert sorted(p.name for p in out.iterdir()) == ["pants.json", "pants.png", "street.json", "street.png"]
    for stem, name in (("pants", "pants.jpg"), ("street", "street.JPG")):
        upright = ImageOps.exif_transpose(Image.open(images / name)).convert("RGB")
        assert (
            upright.size == Image.open(FIXTURES / ("ccp_0016.jpg" if stem == "street" else "clothing_pants.jpg")).size
        )
        res = json.loads((out / f"{stem}.json").read_text())
        assert (res["width"], res["height"]) == upright.size
        assert res["garments"]
        for g in res["garments"]:
            keys = {"category", "type", "score", "box", "area", "guesses", "colours", "attributes", "stain"}
            assert set(g) == keys
            assert set(g["stain"]) == {"found", "area", "score"} and 0.0 <= g["stain"]["area"] <= 1.0
            assert g["category"] in taxonomy.CATEGORY_BY_SLUG and 0.0 <= g["score"] <= 1.0
            assert len(g["guesses"]) == 3 and g["guesses"][0]["type"] == g["type"]
            assert g["colours"] and {"name", "hex", "rgb", "fraction"} == set(g["colours"][0])
        assert [g["area"] for g in res["garments"]] == sorted((g["area"] for g in res["garments"]), reverse=True)
        mask = Image.open(out / f"{stem}.png")
        assert mask.mode == "L" and mask.size == upright.size
        m = np.asarray(mask)
        assert set(np.unique(m)) <= {0, 255}
        # The mask is the largest garment the serving pipeline finds in the upright photo.
        expected = max(pipeline(upright).instances, key=lambda i: i.area)
        assert int((m == 255).sum()) == res["garments"][0]["area"] == expected.area
        assert ((m == 255) == expected.mask).all()
        assert res["garments"][0]["type"] == expected.type


def test_empty_or_missing_folder(tmp_path):
    run = _predict(tmp_path, tmp_path / "out")
    assert run.returncode == 2 and "no photos" in run.stderr and not (tmp_path / "out").exists()
    run = _predict(tmp_path / "missing", tmp_path / "out")
    assert run.returncode == 2 and "not a folder" in run.stderr

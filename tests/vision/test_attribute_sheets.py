"""Contact sheets for labelling attributes by eye (``vision.attribute_sheets``) on the fixture
clothing-dataset photos: the draw keeps to its quota, leaves out kids' photos and photos already
labelled, and every number on a sheet maps back to its photo. No Django here."""

from __future__ import annotations

import csv
import shutil

import numpy as np
from PIL import Image

from tests.vision.conftest import DATASETS
from vision import attribute_sheets


def test_the_draw_keeps_its_quota_and_leaves_out_kids_and_labelled_photos(tmp_path):
    data = tmp_path / "clothing"
    shutil.copytree(DATASETS / "clothing-dataset", data)
    # The fixture's 4 photos (all of the val split): shoes and pants by adults, a T-shirt and a dress by kids.
    rows = attribute_sheets.draw_photos(data, "val", {"Pants": 5, "Shoes": 5, "T-Shirt": 5, "Dress": 5}, 0, set())
    assert sorted(r.label for r in rows) == ["Pants", "Shoes"]
    shoes = next(r.path.stem for r in rows if r.label == "Shoes")
    rows = attribute_sheets.draw_photos(data, "val", {"Pants": 5, "Shoes": 5}, 0, {shoes})
    assert [r.label for r in rows] == ["Pants"]
    assert attribute_sheets.draw_photos(data, "val", {"Pants": 0}, 0, set()) == []
    assert attribute_sheets.draw_photos(data, "train", {"Pants": 5}, 0, set()) == []


def test_sheets_number_every_photo_and_map_it_back(tmp_path):
    data = tmp_path / "clothing"
    shutil.copytree(DATASETS / "clothing-dataset", data)
    with open(data / "images.csv") as f:  # every photo by an adult, so all four are drawn
        rows = [dict(r, kids="False") for r in csv.DictReader(f)]
    with open(data / "images.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    labels = tmp_path / "labels.csv"
    labels.write_text("image,pattern,sleeve,neckline,fit,wash,damage\n")
    out = tmp_path / "sheets"
    quota = "Pants=1,Shoes=1,T-Shirt=1,Dress=1"
    args = ["--data", str(data), "--labels", str(labels), "--split", "val", "--quota", quota]
    assert attribute_sheets.main([*args, "--per-sheet", "3", "--columns", "3", "--tile", "120", "--out", str(out)]) == 0
    with open(out / "batch1" / "index.csv") as f:
        index = list(csv.DictReader(f))
    assert [int(r["number"]) for r in index] == [1, 2, 3, 4]
    assert [r["sheet"] for r in index] == ["sheet01.png"] * 3 + ["sheet02.png"]
    assert sorted(r["image"] for r in index) == sorted(r["image"] for r in rows)
    first = Image.open(out / "batch1" / "sheet01.png")
    assert first.size == (360, 120) and Image.open(out / "batch1" / "sheet02.png").size == (360, 120)
    tile = np.asarray(first.convert("RGB"))[:, :120].astype(int)
    assert tile.std() > 20  # a photo, not the empty grey tile
    assert (out / "batch1" / "labels.csv").read_text().startswith("number,pattern,sleeve,neckline,fit,wash,damage")


def test_relabel_puts_the_labelled_photos_of_a_split_on_sheets_without_their_labels(tmp_path):
    data = tmp_path / "clothing"
    shutil.copytree(DATASETS / "clothing-dataset", data)
    with open(data / "images.csv") as f:
        stems = [r["image"] for r in csv.DictReader(f)]
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "image,pattern,sleeve,neckline,fit,wash,damage\n"
        + f"{stems[0]},striped,long,crew,,,none\n{stems[1]},solid,,,straight,dark,none\n"
        + "not-a-photo-here,solid,,,,,none\n"
    )
    first = attribute_sheets.labelled_photos(data, labels, None, "val", 0)
    assert sorted(e.stem for e in first) == sorted(stems[:2])  # kids' photos too: they were labelled
    assert attribute_sheets.labelled_photos(data, labels, None, "train", 0) == []
    out = tmp_path / "sheets"
    args = ["--data", str(data), "--labels", str(labels), "--split", "val", "--relabel", "--seed", "0"]
    assert attribute_sheets.main([*args, "--tile", "120", "--out", str(out)]) == 0
    with open(out / "batch1" / "index.csv") as f:
        index = list(csv.DictReader(f))
    assert [r["image"] for r in index] == [e.stem for e in first]
    blank = (out / "batch1" / "labels.csv").read_text().strip().splitlines()
    assert blank == ["number,pattern,sleeve,neckline,fit,wash,damage"]  # no label shown to the labeller

"""Crops of garments in CCP street photos (``vision.ccp_crops``) on the fixture CCP photos: only the
parts and splits asked for, and a second draw into the same folder keeps the first one's crops."""

from __future__ import annotations

import csv

import pytest

from tests.vision.conftest import DATASETS
from vision import ccp_crops

CCP = DATASETS / "ccp"  # two photos of the val split: 0008 (pants, shirt) and 0016 (jeans)


def listed(out) -> list[tuple[str, str, str]]:
    with open(out / "images.csv", newline="") as f:
        return [(r["image"], r["sender_id"], r["label"]) for r in csv.DictReader(f)]


def test_a_draw_keeps_to_its_parts_and_splits_and_a_second_one_adds_to_the_folder(tmp_path):
    out = tmp_path / "crops"
    assert ccp_crops.write_crops(CCP, out, 2, 0, ("train",)) == 0  # no training photo in the fixture
    assert ccp_crops.write_crops(CCP, out, 2, 0, ("val",), frozenset({"jeans"})) == 1
    assert listed(out) == [("ccp-0016-jeans", "ccp-0016", "Pants")]
    assert ccp_crops.write_crops(CCP, out, 2, 0, ("val",), frozenset({"jeans", "shirt"})) == 2
    assert listed(out) == [("ccp-0008-shirt", "ccp-0008", "Shirt"), ("ccp-0016-jeans", "ccp-0016", "Pants")]
    assert sorted(p.name for p in (out / "images").iterdir()) == ["ccp-0008-shirt.jpg", "ccp-0016-jeans.jpg"]


def test_the_command_refuses_a_part_that_is_no_garment(tmp_path, capsys):
    with pytest.raises(SystemExit):
        ccp_crops.main(["--ccp", str(CCP), "--out", str(tmp_path), "--parts", "jeans,sky"])
    assert "not a CCP top or trousers label: sky" in capsys.readouterr().err


def test_each_crop_has_its_mask_of_the_part_beside_it(tmp_path):
    import numpy as np
    from PIL import Image

    from vision.attribute_data import crop_mask_path
    from vision.datasets import read_ccp_labels

    out = tmp_path / "crops"
    assert ccp_crops.write_crops(CCP, out, 2, 0, ("val",), frozenset({"jeans"})) == 1
    crop = Image.open(out / "images" / "ccp-0016-jeans.jpg")
    mask = np.asarray(Image.open(crop_mask_path(out / "images" / "ccp-0016-jeans.jpg")))
    assert mask.shape == (crop.height, crop.width) and set(np.unique(mask)) == {0, 255}
    # The mask holds every jeans pixel of the crop's box and nothing else: its pixel count is CCP's.
    labels = read_ccp_labels(CCP, "0016")
    jeans = ccp_crops.ccp_label_names(CCP).index("jeans")
    assert 0.2 < (mask > 0).mean() < 0.9
    assert (mask > 0).sum() <= (labels == jeans).sum()

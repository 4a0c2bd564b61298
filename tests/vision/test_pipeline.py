"""The serving pipeline (vision.inference + vision.stages) on real photos with the committed weights,
the stages' composition, and both evaluation commands. No Django here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES, PHOTOS, ROOT
from vision import colors, taxonomy
from vision.contract import GarmentInstance, PhotoAnalysis
from vision.inference import STAGES, load_pipeline
from vision.stages.detect import foreground_mask


def test_foreground_of_a_flat_lay_photo():
    rgb = np.asarray(Image.open(FIXTURES / "clothing_tshirt.jpg").convert("RGB"))
    fg = foreground_mask(rgb)
    assert fg.shape == rgb.shape[:2]
    assert 0.05 < fg.mean() < 0.95


@pytest.mark.vision
@pytest.mark.parametrize("name", PHOTOS)
def test_pipeline_on_real_photos(pipeline, name):
    image = Image.open(FIXTURES / name)
    analysis = pipeline(image)
    assert isinstance(analysis, PhotoAnalysis) and (analysis.width, analysis.height) == image.size
    instances = list(analysis)
    assert instances and all(isinstance(i, GarmentInstance) for i in instances)
    assert [i.area for i in instances] == sorted((i.area for i in instances), reverse=True)  # largest first
    assert set(analysis.seconds) == set(STAGES) and all(s >= 0 for s in analysis.seconds.values())
    for inst in instances:
        assert inst.category in taxonomy.CATEGORY_BY_SLUG
        assert inst.type is None or taxonomy.category_of_type(inst.type) == inst.category
        assert 0.0 <= inst.score <= 1.0 and 0.0 <= inst.classifier_score <= 1.0
        x0, y0, x1, y1 = inst.box
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
        assert inst.mask.shape == (image.height, image.width) and inst.mask.dtype == bool
        assert inst.mask.any() and not inst.mask[:, :x0].any() and not inst.mask[:y0].any()
        assert inst.cutout.mode == "RGBA" and inst.cutout.size == (x1 - x0, y1 - y0)
        alpha = np.asarray(inst.cutout)[..., 3]
        assert ((alpha > 0) == inst.mask[y0:y1, x0:x1]).all()
        assert 1 <= len(inst.colors) <= 3 and all(c.name in colors.PALETTE for c in inst.colors)
        # The detector's score stays only where the final category is the detector's own.
        assert inst.detector_score == 0.0 or inst.detector_category == inst.category
        assert analysis.single_item == (inst.detector_category == "")  # the whole-photo item
    assert len({i.category for i in instances}) == len(instances)  # one instance per category


@pytest.mark.vision
def test_pipeline_names_the_main_garment(pipeline):
    """The committed models name the main garment of these held-out photos at type level."""
    expected = {"clothing_tshirt.jpg": "T-Shirt", "clothing_pants.jpg": "Pants", "clothing_shoes.jpg": "Shoes"}
    for name, label in expected.items():
        main = max(pipeline(Image.open(FIXTURES / name)), key=lambda i: i.area)
        assert taxonomy.TYPE_TO_EVAL_LABEL.get(main.type) == label, (name, main.category, main.type)


@pytest.mark.vision
def test_street_photo_has_several_garments(pipeline):
    """A full-body street photo yields more than one garment from the detector."""
    analysis = pipeline(Image.open(FIXTURES / "ccp_0016.jpg"))
    assert len(analysis) >= 2 and not analysis.single_item
    assert any(i.detector_score > 0 for i in analysis)


@pytest.mark.vision
def test_single_item_photo_is_one_whole_photo_garment(pipeline):
    """A flat-lay photo is taken for one item: one garment, classified whole, no detector opinion; its
    mask is the segmenter's (``segment``), where without that stage it is the colour rule's."""
    image = Image.open(FIXTURES / "clothing_tshirt.jpg")
    analysis = pipeline(image)
    assert analysis.single_item and len(analysis) == 1
    inst = analysis.instances[0]
    assert inst.detector_category == "" and inst.detector_score == 0.0
    assert inst.mask_quality is not None
    rule = foreground_mask(np.asarray(image.convert("RGB")))
    assert not (inst.mask == rule).all()
    without = load_pipeline(device="cpu", stages=("scene", "detect", "classify", "cutout"))(image).instances[0]
    assert (without.mask == rule).all() and without.mask_quality is None


@pytest.mark.vision
def test_stages_are_pluggable(pipeline):
    """Without the colors stage the garments are the same but carry no colours; without cutout and
    colors, no cutouts either; detect alone leaves the classify fields empty."""
    full = {name: pipeline(Image.open(FIXTURES / name)) for name in ("ccp_0016.jpg", "clothing_pants.jpg")}
    no_colors = load_pipeline(device="cpu", stages=("scene", "detect", "segment", "classify", "cutout"))
    assert no_colors.names == ["scene", "detect", "segment", "classify", "cutout"]
    for name, expected in full.items():
        analysis = no_colors(Image.open(FIXTURES / name))
        assert set(analysis.seconds) == {"scene", "detect", "segment", "classify", "cutout"}
        assert [(i.category, i.type, i.score, i.box) for i in analysis] == [
            (i.category, i.type, i.score, i.box) for i in expected
        ]
        assert all(i.colors == [] for i in analysis) and all(i.colors for i in expected)
        assert all(i.cutout is not None for i in analysis)
    detect_only = load_pipeline(device="cpu", stages=("detect",))
    analysis = detect_only(Image.open(FIXTURES / "ccp_0016.jpg"))
    assert analysis and all(
        i.category == "" and i.guesses == [] and i.cutout is None and i.detector_category for i in analysis
    )


def test_stage_composition_is_checked():
    with pytest.raises(ValueError, match="needs"):
        load_pipeline(device="cpu", stages=("colors",))
    with pytest.raises(ValueError, match="after"):
        load_pipeline(device="cpu", stages=("detect", "colors", "classify"))
    with pytest.raises(ValueError, match="no stage"):
        load_pipeline(device="cpu", stages=("detect", "stains"))
    with pytest.raises(TypeError, match="flip_tta"):
        load_pipeline(device="cpu", stages=("detect",), flip_tta=False)


@pytest.mark.vision
def test_stage_options_reach_their_stage():
    strict = load_pipeline(
        device="cpu", stages=("detect", "classify"), single_item_threshold=1.01, detector_weight=0.25, flip_tta=False
    )
    assert strict.stage("detect").single_item_threshold == 1.01
    assert strict.stage("classify").detector_weight == 0.25 and not strict.stage("classify").flip_tta
    assert strict(Image.open(FIXTURES / "ccp_0016.jpg")).single_item  # no detection reaches 1.01


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.mark.vision
def test_evaluate_commands(tmp_path):
    out = tmp_path / "cls.json"
    r = _run("vision.evaluate", "classifier", "--data", str(DATASETS / "clothing-dataset"), "--json", str(out))
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    assert res == json.loads(r.stdout)
    assert res["n"] == 4 and {"top1", "classifier_top1", "per_class", "confusion"} <= set(res)
    assert sum(sum(row.values()) for row in res["confusion"].values()) == 4
    # Honesty of the main garment's score: 4 photos, so ECE is at most 1 and the confident error
    # rate a multiple of 1/4 no larger than the error rate.
    assert 0.0 <= res["ece"] <= 1.0 and res["confident_error_rate"] * 4 == round(res["confident_error_rate"] * 4)
    assert res["confident_error_rate"] <= 1.0 - res["top1"] + 1e-9
    assert res["single_item_rate"] * 4 == round(res["single_item_rate"] * 4)
    out = tmp_path / "det.json"
    r = _run("vision.evaluate", "detector", "--data", str(DATASETS / "ccp"), "--json", str(out))
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    assert res["n"] == 2
    for key in ("mask_ap", "mask_ap50", "box_ap", "box_ap50", "miou", "pixel_accuracy", "recall50"):
        assert 0.0 <= res[key] <= 1.0
    assert res["scene_single_item_rate"] in (0.0, 0.5, 1.0)
    assert res["pixel_accuracy"] > 0.5
    assert set(res["per_category"]) <= set(taxonomy.CATEGORY_SLUGS)

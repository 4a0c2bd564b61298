"""vision/: taxonomy, colours, the serving pipeline on real photos with the committed weights,
both evaluation commands, and a few-step training smoke run on real photos. No Django here."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vision import colors, datasets, taxonomy
from vision.inference import WEIGHTS_DIR, foreground_mask, load_pipeline

FIXTURES = Path(__file__).parent / "fixtures"
DATASETS = FIXTURES / "datasets"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pipeline():
    torch.set_num_threads(2)
    return load_pipeline(device="cpu")


def test_taxonomy_covers_both_datasets():
    assert len(taxonomy.CATEGORIES) == 27
    assert {c.section for c in taxonomy.CATEGORIES} == {s for s, _ in taxonomy.SECTIONS}
    assert len(taxonomy.CCP_LABELS) == 59 and set(taxonomy.CCP_TO_TYPE) == set(taxonomy.CCP_LABELS)
    for background in ("null", "skin", "hair"):
        assert taxonomy.CCP_TO_TYPE[background] is None
    assert taxonomy.category_of_type(taxonomy.CCP_TO_TYPE["jeans"]) == "pants"
    assert taxonomy.category_of_type(taxonomy.CCP_TO_TYPE["sneakers"]) == "shoe"
    assert set(taxonomy.EVAL_LABELS) <= set(taxonomy.CLOTHING_TO_TYPE)
    for label in taxonomy.EVAL_LABELS:  # each evaluated class is reachable from its own type
        assert taxonomy.TYPE_TO_EVAL_LABEL[taxonomy.CLOTHING_TO_TYPE[label]] == label


def test_ccp_instances_follow_the_instance_rule():
    labels = datasets.read_ccp_labels(DATASETS / "ccp", "0008")
    cat_map = datasets.ccp_category_map(labels)
    insts = datasets.instances_from_category_map(cat_map)
    ids = [cid for cid, _ in insts]
    assert len(ids) == len(set(ids)) > 0  # one instance per category
    union = np.zeros_like(cat_map, dtype=bool)
    for _, m in insts:
        assert not (union & m).any()
        union |= m
    assert (union == (cat_map > 0)).all()
    skin = taxonomy.CCP_LABELS.index("skin")
    assert (cat_map[labels == skin] == 0).all()


def test_color_names():
    assert colors.color_name((200, 30, 40)) == "red"
    assert colors.color_name((25, 35, 75)) == "navy"
    assert colors.color_name((250, 250, 250)) == "white"
    img = np.zeros((10, 10, 3), dtype=np.uint8)
    img[:, :6] = (200, 30, 40)
    img[:, 6:] = (250, 250, 250)
    mask = np.ones((10, 10), dtype=bool)
    out = colors.dominant_colors(img, mask)
    assert [c.name for c in out] == ["red", "white"]
    assert out[0].fraction == pytest.approx(0.6, abs=0.01)
    with pytest.raises(ValueError):
        colors.dominant_colors(img, np.zeros((10, 10), dtype=bool))


def test_foreground_of_a_flat_lay_photo():
    rgb = np.asarray(Image.open(FIXTURES / "clothing_tshirt.jpg").convert("RGB"))
    fg = foreground_mask(rgb)
    assert fg.shape == rgb.shape[:2]
    assert 0.05 < fg.mean() < 0.95


@pytest.mark.vision
@pytest.mark.parametrize("name", ["clothing_tshirt.jpg", "clothing_pants.jpg", "clothing_shoes.jpg",
                                  "clothing_dress.jpg", "ccp_0008.jpg", "ccp_0016.jpg"])
def test_pipeline_on_real_photos(pipeline, name):
    image = Image.open(FIXTURES / name)
    instances = pipeline(image)
    assert instances
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
    instances = pipeline(Image.open(FIXTURES / "ccp_0016.jpg"))
    assert len(instances) >= 2
    assert any(i.detector_score > 0 for i in instances)


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
    out = tmp_path / "det.json"
    r = _run("vision.evaluate", "detector", "--data", str(DATASETS / "ccp"), "--json", str(out))
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    assert res["n"] == 2
    for key in ("mask_ap", "mask_ap50", "box_ap", "box_ap50", "miou", "pixel_accuracy"):
        assert 0.0 <= res[key] <= 1.0
    assert res["pixel_accuracy"] > 0.5
    assert set(res["per_category"]) <= set(taxonomy.CATEGORY_SLUGS)


def test_training_smoke_run(tmp_path):
    """Pack the fixture photos, train both models a few steps, and serve the result."""
    data = tmp_path / "data"
    r = _run("vision.pack", "--datasets", str(DATASETS), "--out", str(data), "--workers", "1")
    assert r.returncode == 0, r.stderr
    weights = tmp_path / "weights"
    r = _run("vision.train_classifier", "--pack", str(data / "classifier.pt"), "--out", str(weights / "classifier.pt"),
             "--max-steps", "2", "--batch-size", "4", "--train-on-all", "--device", "cpu")
    assert r.returncode == 0, r.stderr
    r = _run("vision.train_detector", "--pack", str(data / "ccp.pt"), "--out", str(weights / "detector.pt"),
             "--max-steps", "2", "--batch-size", "2", "--train-on-all", "--device", "cpu")
    assert r.returncode == 0, r.stderr
    assert '"step": 1' in r.stdout
    smoke = load_pipeline(weights, "cpu")
    assert smoke(Image.open(FIXTURES / "clothing_shoes.jpg"))


def test_committed_weights_are_small_and_carded():
    for name in ("detector", "classifier"):
        path = WEIGHTS_DIR / f"{name}.pt"
        assert path.stat().st_size < 25 * 2 ** 20
        card = (WEIGHTS_DIR / f"MODEL_CARD_{name}.md").read_text()
        import hashlib

        assert hashlib.sha256(path.read_bytes()).hexdigest() in card


def _ccp_fixture(stem: str) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 (3, H, W) photo and uint8 (H, W) category map of a CCP fixture photo."""
    root = DATASETS / "ccp"
    image = torch.from_numpy(np.asarray(Image.open(root / "photos" / f"{stem}.jpg").convert("RGB")).copy())
    cat_map = torch.from_numpy(datasets.ccp_category_map(datasets.read_ccp_labels(root, stem)).astype(np.uint8))
    return image.permute(2, 0, 1).contiguous(), cat_map


def test_copy_paste_moves_garments_between_real_photos():
    from vision.train_detector import copy_paste

    image, cat_map = _ccp_fixture("0008")
    src_image, src_map = _ccp_fixture("0016")
    torch.manual_seed(0)
    import random

    random.seed(3)
    new_image, new_map = copy_paste(image, cat_map, src_image, src_map, keep=1.0)
    pasted = new_map != cat_map
    assert pasted.any()
    # Every changed label is one of the source photo's garment categories, and the pixels under it
    # come from the source photo (flipped or not), while background pixels are still the target's.
    assert set(new_map[pasted].unique().tolist()) <= set(src_map.unique().tolist()) - {0}
    background = new_map == 0
    assert background.any() and torch.equal(new_image[:, background], image[:, background])
    from torchvision.transforms.v2 import functional as TF

    assert src_image.shape != image.shape  # 550x832 onto 550x824: the source is resized to fit
    resized = TF.resize(src_image, list(image.shape[1:]), antialias=True)
    assert any(torch.equal(new_image[:, pasted], s[:, pasted]) for s in (resized, resized.flip(-1)))
    assert torch.equal(cat_map, _ccp_fixture("0008")[1])  # the input is not modified


def test_classifier_augmentation_is_batched_and_normalised():
    from vision import presets
    from vision.train_classifier import augment

    photos = [Image.open(FIXTURES / f"clothing_{n}.jpg") for n in ("tshirt", "pants", "shoes", "dress")]
    batch = torch.stack([presets.to_uint8_chw(presets.letterbox(p, presets.CLASSIFIER_PACK_SIZE)) for p in photos])
    torch.manual_seed(0)
    x = augment(batch, 112)
    assert x.shape == (4, 3, 112, 112) and x.dtype == torch.float32 and torch.isfinite(x).all()
    # Normalised like serving input: roughly zero-mean, unit-spread, and different from a plain resize.
    assert abs(float(x.mean())) < 1.0 and 0.3 < float(x.std()) < 2.0
    plain = presets.normalize(torch.nn.functional.interpolate(batch.float(), size=112, mode="bilinear").round().byte())
    assert not torch.allclose(x, plain, atol=0.1)

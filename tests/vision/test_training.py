"""Training on real photos: packing, a few-step smoke run of both models, Copy-Paste and the batched
classifier augmentation. No Django here."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES, ROOT
from vision import datasets, pack
from vision.checkpoints import load_checkpoint
from vision.inference import load_pipeline


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> Path:
    """The fixture datasets packed by ``vision.pack`` (classifier.pt, ccp.pt)."""
    data = tmp_path_factory.mktemp("packs")
    r = _run("vision.pack", "--datasets", str(DATASETS), "--out", str(data), "--workers", "1")
    assert r.returncode == 0, r.stderr
    return data


def test_pack_records_its_index(packs):
    cls_index, det_index = pack.dataset_indexes(DATASETS)
    cls, det = torch.load(packs / "classifier.pt"), torch.load(packs / "ccp.pt")
    assert cls["index"] == cls_index and det["index"] == det_index
    assert cls["index_sha256"] == pack.index_sha256(cls_index)
    assert len(cls["index"]) == 1 + len(cls["types"]) and len(det["index"]) == 1 + len(det["stems"])


def test_training_smoke_run(packs, tmp_path):
    """Train both models a few steps on the packed fixture photos, and serve the result."""
    weights = tmp_path / "weights"
    r = _run("vision.train_classifier", "--pack", str(packs / "classifier.pt"), "--out", str(weights / "classifier.pt"),
             "--max-steps", "2", "--batch-size", "4", "--train-on-all", "--device", "cpu")
    assert r.returncode == 0, r.stderr
    r = _run("vision.train_detector", "--pack", str(packs / "ccp.pt"), "--out", str(weights / "detector.pt"),
             "--max-steps", "2", "--batch-size", "2", "--train-on-all", "--device", "cpu")
    assert r.returncode == 0, r.stderr
    assert '"step": 1' in r.stdout
    for name in ("classifier", "detector"):
        ckpt = load_checkpoint(weights / f"{name}.pt")
        assert ckpt["data_sha256"] == torch.load(packs / ("classifier.pt" if name == "classifier" else "ccp.pt"))[
            "index_sha256"]
    smoke = load_pipeline(weights, "cpu")
    assert smoke(Image.open(FIXTURES / "clothing_shoes.jpg"))


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

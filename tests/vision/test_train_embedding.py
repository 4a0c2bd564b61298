"""Issue 16: the ``embed`` stage's projection (within-pair covariance normalisation), its fit on
real re-shoot pairs (a smoke run of ``python -m vision.train_embedding``) and the committed file."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES, ROOT
from vision.checkpoints import WEIGHTS_DIR
from vision.stages.embed import PROJECTION_FILE, load_projection, project
from vision.train_embedding import fit_wccn


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_wccn_scales_down_what_two_photos_of_one_garment_differ_in():
    """Garments differ along every axis a little; two photos of one garment differ a lot along the
    first 4 axes (light, pose). After the projection a garment's second photo is nearer its first
    than any other garment is; before it, other garments often are."""
    rng = np.random.default_rng(0)
    n, dim = 400, 32
    garments = rng.normal(0, 1, (n, dim))
    nuisance = np.zeros((n, dim))
    nuisance[:, :4] = rng.normal(0, 6, (n, 4))
    first, second = _unit(garments + nuisance), _unit(garments - nuisance)
    fitted = fit_wccn(first[:300], second[:300], np.arange(300), shrink=0.1)
    assert fitted["matrix"].shape == (dim, dim) and np.allclose(fitted["matrix"], fitted["matrix"].T, atol=1e-4)

    def recall_at_1(a, b):
        return float(np.mean((b @ a.T).argmax(1) == np.arange(len(a))))

    held_a, held_b = first[300:], second[300:]  # garments the fit never saw
    before = recall_at_1(held_a, held_b)
    after = recall_at_1(project(held_a, fitted), project(held_b, fitted))
    assert before < 0.6 and after > 0.95, (before, after)
    assert np.allclose(np.linalg.norm(project(held_a, fitted), axis=1), 1, atol=1e-5)
    with pytest.raises(ValueError):
        fit_wccn(first, second[:0], np.arange(0), shrink=0.1)
    with pytest.raises(ValueError):
        fit_wccn(first, second, np.arange(n), shrink=0)


def test_the_committed_projection_is_carded_and_served(pipeline):
    path = WEIGHTS_DIR / PROJECTION_FILE
    assert path.stat().st_size < 25 * 2**20
    card = (WEIGHTS_DIR / "MODEL_CARD_classifier.md").read_text()
    assert hashlib.sha256(path.read_bytes()).hexdigest() in card
    fitted = load_projection(path)
    assert fitted["matrix"].shape == (1280, 1280) and fitted["meta"]["split"] == "train"
    embed = pipeline.stage("embed")
    assert embed.projection is not None
    image = Image.open(FIXTURES / "clothing_tshirt.jpg").convert("RGB")
    crop = image.crop((0, 0, image.width // 2, image.height // 2))
    raw = torch.nn.functional.normalize(embed.infer(embed.preprocess([crop])), dim=1).numpy()
    assert float(embed.embed([crop])[0] @ project(raw, fitted)[0]) > 0.999  # the stage serves raw -> projected


@pytest.mark.vision
def test_train_embedding_smoke_run_on_real_photos(tmp_path):
    """A few real photos through the serving pipeline, each re-shot once, and the projection fitted."""
    out = tmp_path / "projection.pt"
    args = ["--data", str(DATASETS / "clothing-dataset"), "--split", "all", "--limit", "4", "--out", str(out)]
    r = subprocess.run(
        [sys.executable, "-m", "vision.train_embedding", *args, "--cache", str(tmp_path / "c.pkl"), "--threads", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    fitted = load_projection(out)
    assert fitted["matrix"].shape == (1280, 1280) and fitted["meta"]["pairs"] == 4
    assert "CLOTHING_DIR" in fitted["meta"]["command"]

"""Serving-time folding of batch norms and channels-last weights (vision.fuse): the committed models
answer the same on real photos, no batch norm is left, a second call changes nothing, and a model in
training mode is refused. No Django here."""

from __future__ import annotations

import copy

import pytest
import torch
from PIL import Image

from bench.fuse import flatten, runner
from tests.vision.conftest import FIXTURES
from vision.checkpoints import WEIGHTS_DIR, load_model
from vision.fuse import NORMS, fold_batch_norms, for_inference

PHOTOS = ("clothing_tshirt.jpg", "ccp_0008.jpg")


@pytest.mark.parametrize("name", ["classifier", "segmenter", "attributes", "stain", "detector"])
def test_prepared_model_answers_as_the_plain_one(name):
    """Every output value (probabilities, logits, the detector's boxes in pixels and scores) of the
    prepared model is within 1e-3 of the plain model's on two real photos, and every batch norm is
    folded away (the detector's frozen ones included)."""
    plain = load_model(WEIGHTS_DIR / f"{name}.pt")
    fused = for_inference(copy.deepcopy(plain))
    assert not any(isinstance(m, NORMS) for m in fused.modules())
    assert any(isinstance(m, NORMS) for m in plain.modules())
    with torch.no_grad():
        for photo in PHOTOS:
            image = Image.open(FIXTURES / photo).convert("RGB")
            a, b = flatten(runner(name, plain, image)()), flatten(runner(name, fused, image)())
            assert a.shape == b.shape and a.numel() > 0
            assert float((a - b).abs().max()) < 1e-3, photo


def test_folding_twice_changes_nothing_and_training_mode_is_refused():
    model = load_model(WEIGHTS_DIR / "stain.pt")
    assert fold_batch_norms(model) > 40
    state = {k: v.clone() for k, v in model.state_dict().items()}
    assert fold_batch_norms(model) == 0
    for_inference(model)
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="eval mode"):
        fold_batch_norms(load_model(WEIGHTS_DIR / "stain.pt").train())

"""Honest confidence: expected calibration error, temperature scaling and the photo-kind head
(vision.metrics, vision.calibrate), and detection recall at mask IoU 0.5. No Django here."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.vision.conftest import DATASETS
from vision import datasets, taxonomy
from vision.calibrate import fit_kind_head, fit_temperature, served_probabilities
from vision.metrics import DetectionAccumulator, expected_calibration_error


def test_ece_by_hand():
    """Two bins: 0.95 confident and right half the time (gap 0.45), 0.55 confident and always right
    (gap 0.45): ECE = 0.5 * 0.45 + 0.5 * 0.45."""
    assert expected_calibration_error([0.95, 0.95, 0.55, 0.55], [True, False, True, True]) == pytest.approx(0.45)
    assert expected_calibration_error([1.0, 0.0], [True, False]) == pytest.approx(0.0)  # the edges fall in bins
    assert expected_calibration_error([], []) == 0.0
    # Perfectly calibrated on average within each bin: 0.7 confident, right 7 times in 10.
    assert expected_calibration_error([0.7] * 10, [True] * 7 + [False] * 3) == pytest.approx(0.0)


def test_temperature_scaling_recovers_an_overconfident_model():
    """Labels drawn from softmax(z / 2): the logits z are twice too confident, and the fitted T is
    about 2; after it the served probabilities' ECE is small and lower than before."""
    g = torch.Generator().manual_seed(0)
    z = torch.randn(1, 4000, 5, generator=g) * 3
    labels = torch.multinomial(torch.softmax(z[0] / 2, 1), 1, generator=g)[:, 0]
    t = fit_temperature(z, labels)
    assert 1.8 <= t <= 2.2

    def ece(temp):
        conf, pred = served_probabilities(z, temp).max(1)
        return expected_calibration_error(conf, pred == labels)

    assert ece(t) < 0.03 < ece(1.0)


def test_kind_head_separates_two_groups():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(200, 8, generator=g) + torch.tensor([2.0] + [0.0] * 7)
    b = torch.randn(50, 8, generator=g) - torch.tensor([2.0] + [0.0] * 7)
    w, bias = fit_kind_head(torch.cat([a, b]), torch.cat([torch.ones(200), torch.zeros(50)]).bool())
    assert w.shape == (8,) and bias.shape == ()
    assert float((torch.sigmoid(a @ w + bias) >= 0.5).float().mean()) > 0.9
    assert float((torch.sigmoid(b @ w + bias) < 0.5).float().mean()) > 0.9  # balanced: the minority too


def test_recall50_on_a_real_annotation():
    """The ground truth of a real CCP photo as predictions recalls every instance; dropping one
    instance or keeping it under the score threshold loses exactly that one; a mask of the right
    category that covers too little (IoU < 0.5) does not count."""
    cat_map = datasets.ccp_category_map(datasets.read_ccp_labels(DATASETS / "ccp", "0016"))
    gts = datasets.instances_from_category_map(cat_map)
    assert len(gts) >= 3

    def recall(pred):
        acc = DetectionAccumulator(score_threshold=0.5)
        acc.add(cat_map, pred)
        return acc.compute()["recall50"]

    exact = [(c, 0.9, m) for c, m in gts]
    assert recall(exact) == 1.0
    assert recall(exact[1:]) == pytest.approx((len(gts) - 1) / len(gts))
    assert recall([(c, 0.3 if i == 0 else 0.9, m) for i, (c, m) in enumerate(gts)]) == pytest.approx(
        (len(gts) - 1) / len(gts)
    )
    c0, m0 = gts[0]
    ys, xs = np.nonzero(m0)
    part = np.zeros_like(m0)
    part[ys[: len(ys) // 3], xs[: len(xs) // 3]] = True  # a third of the instance: IoU about 0.33
    assert recall([(c0, 0.9, part)] + exact[1:]) == pytest.approx((len(gts) - 1) / len(gts))
    wrong = (1 + (c0 % len(taxonomy.CATEGORIES)), 0.9, m0)  # right mask, another category
    assert recall([wrong] + exact[1:]) == pytest.approx((len(gts) - 1) / len(gts))

"""Step 2b of the stain stage (a garment whose first two views may disagree is seen upside down too,
and decided by the mean of four maps) and the command that chooses its threshold on the calib split
(``vision.stain_views``), on the committed weights and real fixture photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES
from vision.checkpoints import WEIGHTS_DIR, load_checkpoint, write_checkpoint
from vision.stages.segment import build as build_segment
from vision.stages.stain import build as build_stain
from vision.stain_eval import garment_instance, load_stages, photo_record, split_rows, summarise
from vision.stain_views import THRESHOLDS, best_threshold, figures, main, view_records

STAINED = FIXTURES / "stain_synthetic.jpg"  # a coffee stain on a printed T-shirt (see test_stains.py)
STAINED_MASK = FIXTURES / "stain_synthetic.mask.png"


@pytest.fixture(scope="module")
def segment():
    return build_segment(WEIGHTS_DIR, torch.device("cpu"))


@pytest.fixture(scope="module")
def stained(segment):
    rgb = np.asarray(Image.open(STAINED).convert("RGB"))
    return rgb, np.asarray(Image.open(STAINED_MASK)) > 127, garment_instance(segment, rgb)


def _stage(views=None):
    stage = build_stain(WEIGHTS_DIR, torch.device("cpu"))
    stage.views = views and dict(views)
    return stage


def test_more_views_average_four_maps_and_decide_at_their_own_threshold(stained):
    """The map of step 2b is the mean of the plain, mirrored, upside-down and both-ways maps (computed
    here by hand from the model); its score decides at the views' threshold."""
    rgb, _truth, inst = stained
    stage = _stage({"score_threshold": 0.75})
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.finding(prob, inst, rgb.shape[:2])
    seen, finding = stage.viewed(rgb, inst, prob, first)
    x, places = stage.preprocess(rgb, [inst])
    x = stage.model.prepare(x)
    x0, y0, x1, y1 = inst.box
    maps = []
    with torch.no_grad():
        for dims in ((), (-1,), (-2,), (-2, -1)):
            m = stage.model.predict(x.flip(dims) if dims else x)
            maps.append(stage.box_probabilities((m.flip(dims) if dims else m)[0].numpy(), places[0], inst.box))
    by_hand = sum(maps) / 4 * inst.mask[y0:y1, x0:x1]
    assert np.allclose(seen, by_hand, atol=2e-3)
    score = float((cv2.blur(by_hand, (3, 3)) * inst.mask[y0:y1, x0:x1]).max())
    assert finding.score == pytest.approx(score, abs=2e-3)
    assert finding.found and finding.score >= 0.75
    stage.decision["score_threshold"] = 1.01  # the decision's own threshold plays no part in step 2b
    assert stage.viewed(rgb, inst, prob, first)[1].found


def test_a_first_score_that_cannot_reach_the_threshold_is_not_looked_at_again(stained):
    rgb, _truth, inst = stained
    stage = _stage()
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.finding(prob, inst, rgb.shape[:2])
    assert stage.viewed(rgb, inst, prob, first) is None  # no views in the file
    reachable = (first.score + 1) / 2  # 2 * t - 1 == the first score: still looked at
    stage.views = {"score_threshold": reachable}
    assert stage.viewed(rgb, inst, prob, first) is not None
    stage.views = {"score_threshold": reachable + 0.01}
    assert stage.viewed(rgb, inst, prob, first) is None


def test_served_without_views_is_the_former_flow_and_with_them_outlines_the_stain(stained):
    rgb, truth, inst = stained
    stage = _stage()
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.finding(prob, inst, rgb.shape[:2])
    before = stage.rechecked_finding(rgb, inst, prob, stage.zoomed_finding(rgb, inst, prob, first))
    now = stage.served(rgb, inst, prob)
    assert (now.found, now.score, now.area) == (before.found, before.score, before.area)
    stage.views = {"score_threshold": 0.75}
    got = stage.served(rgb, inst, prob)
    assert got.found and not (got.mask & ~inst.mask).any()
    assert (got.mask & truth).sum() / (got.mask | truth).sum() > 0.5


def test_views_are_read_from_the_file_by_serving_and_by_the_evaluation(tmp_path):
    ckpt = load_checkpoint(WEIGHTS_DIR / "stain.pt")
    ckpt["meta"]["views"] = {"score_threshold": 0.8}
    write_checkpoint(tmp_path / "on" / "stain.pt", ckpt)
    del ckpt["meta"]["views"]
    write_checkpoint(tmp_path / "off" / "stain.pt", ckpt)
    assert build_stain(tmp_path / "on", torch.device("cpu")).views == {"score_threshold": 0.8}
    assert load_stages(tmp_path / "on" / "stain.pt")[0].views == {"score_threshold": 0.8}
    assert build_stain(tmp_path / "off", torch.device("cpu")).views is None


def test_the_evaluation_of_a_file_with_views_counts_the_stage_as_served(segment):
    """``photo_record`` keeps what ``served`` gives on the clean and the stained photo, and
    ``summarise`` counts found stains, false alarms and IoU from it."""
    stage = _stage({"score_threshold": 0.75})
    rows = split_rows(DATASETS / "clothing-dataset", "val", 2)
    records = [photo_record(stage, segment, row.path, 3) for row in rows]
    for rec, row in zip(records, rows):
        rgb = np.asarray(Image.open(row.path).convert("RGB"))
        inst = garment_instance(segment, rgb)
        assert rec["served"]["clean"] == stage.served(rgb, inst, stage.probabilities(rgb, [inst])[0]).found
        assert 0 <= rec["served"]["inter"] <= rec["served"]["union"]
    fig = summarise(records, stage.decision)
    assert fig["detection_rate"] == pytest.approx(np.mean([r["served"]["stained"] for r in records]))
    assert fig["false_alarms"] == sum(r["served"]["clean"] for r in records)
    ious = [r["served"]["inter"] / max(1, r["served"]["union"]) for r in records]
    assert fig["mean_iou"] == pytest.approx(np.mean(ious), abs=1e-4)


def test_the_threshold_is_the_lowest_that_keeps_the_false_alarms_and_finds_more():
    """Records as ``view_records`` writes them: (first score, four views' score or None)."""
    records = [
        {"stem": "a", "clean": (0.9, 0.6), "stained": (0.995, 0.97)},
        {"stem": "b", "clean": (0.3, None), "stained": (0.5, 0.9)},
        {"stem": "c", "clean": (0.9, 0.85), "stained": (0.2, None)},
    ]
    base = figures(records, None, 0.99)
    assert base == {"score_threshold": None, "detection": 0.3333, "false_alarms": 0}
    best = best_threshold(records, 0.99)
    assert best == 0.86  # up to 0.85 c's clean garment is found: 1 false alarm, more than before
    assert figures(records, best, 0.99) == {"score_threshold": 0.86, "detection": 0.6667, "false_alarms": 0}
    assert best_threshold(records, 0.99, stained=frozenset({"c"})) == 0.7  # c seen stained by eye
    assert best_threshold([{"stem": "d", "clean": (0.999, 0.99), "stained": (0.1, None)}], 0.99) is None


def test_choosing_the_views_on_real_photos_writes_them_into_the_file(tmp_path, capsys, monkeypatch):
    data = DATASETS / "clothing-dataset"
    stage, segment = load_stages(None)
    records = view_records(stage, segment, split_rows(data, "val", 2))
    assert stage.views is None  # put back after the probe
    for r in records:
        for first, views in (r["clean"], r["stained"]):
            assert 0 <= first <= 1 and (views is None) is (first < 2 * min(THRESHOLDS) - 1)
    file = tmp_path / "stain.pt"
    write_checkpoint(file, load_checkpoint(WEIGHTS_DIR / "stain.pt"))
    monkeypatch.setattr("vision.stain_views.split_rows", lambda d, split, n: split_rows(d, "val", n))
    assert main(["--data", str(data), "--weights", str(file), "--n", "2"]) == 0
    meta = load_checkpoint(file)["meta"]
    assert meta["decision"] == load_checkpoint(WEIGHTS_DIR / "stain.pt")["meta"]["decision"]
    assert (meta.get("views") is None) is (meta["views_calib"]["with"] is None)
    assert "without" in capsys.readouterr().out

"""The stain stage's second, closer look at a found stain (step 4 of ``vision.stages.stain``) and the
command that chooses it on the calib split (``vision.stain_zoom``), on the committed weights and
real fixture photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES
from vision.checkpoints import WEIGHTS_DIR, load_checkpoint, write_checkpoint
from vision.stages.segment import build as build_segment
from vision.stages.stain import ZOOM_MAX_SIDE, StainStage
from vision.stages.stain import build as build_stain
from vision.stain_eval import garment_instance, load_stages, photo_record, split_rows, synthetic_photo
from vision.stain_zoom import (
    RECHECK_MAX_PASSES,
    best_recheck,
    best_setting,
    figures,
    main,
    recheck_figures,
    zoom_records,
)

ZOOM = {"context": 4.0, "min_side": 0.4}
NEAR_MISS = ("clothing_tshirt.jpg", 9, "coffee", 0.005)  # photo, seed, kind, area: found close up only


@pytest.fixture(scope="module")
def segment():
    return build_segment(WEIGHTS_DIR, torch.device("cpu"))


@pytest.fixture()
def stage():
    stage = build_stain(WEIGHTS_DIR, torch.device("cpu"))
    stage.zoom = dict(ZOOM)
    return stage


def test_zoom_is_read_from_the_file_by_serving_and_by_the_evaluation(tmp_path):
    ckpt = load_checkpoint(WEIGHTS_DIR / "stain.pt")
    ckpt["meta"]["zoom"] = dict(ZOOM)
    write_checkpoint(tmp_path / "on" / "stain.pt", ckpt)
    del ckpt["meta"]["zoom"]
    write_checkpoint(tmp_path / "off" / "stain.pt", ckpt)
    assert build_stain(tmp_path / "on", torch.device("cpu")).zoom == ZOOM
    assert load_stages(tmp_path / "on" / "stain.pt")[0].zoom == ZOOM
    assert build_stain(tmp_path / "off", torch.device("cpu")).zoom is None
    assert load_stages(tmp_path / "off" / "stain.pt")[0].zoom is None


def test_zoom_square_holds_the_found_stain_within_the_box():
    stage = StainStage(None, torch.device("cpu"), {"pixel_threshold": 0.5}, ZOOM)
    garment = np.ones((400, 300), bool)
    prob = np.zeros((400, 300), np.float32)
    prob[100:110, 50:70] = 0.9  # 20 px wide: the square is the least side, 0.4 x 400 = 160
    assert stage.zoom_box(prob, garment) == (0, 25, 160, 185)
    prob[:] = 0
    prob[385:400, 280:300] = 0.9  # in a corner: the square is moved inside the box
    x0, y0, x1, y1 = stage.zoom_box(prob, garment)
    assert (x1 - x0, y1 - y0) == (160, 160) and x1 == 300 and y1 == 400
    prob[200:260, 100:160] = 0.9  # the stain pixels now span the box: 4 x their extent is too large
    assert stage.zoom_box(prob, garment) is None and 4 * 280 >= ZOOM_MAX_SIDE * 400
    assert stage.zoom_box(np.zeros_like(prob), garment) is None
    assert stage.zoom_box(prob, np.zeros_like(garment)) is None
    stage.zoom = None
    prob[:] = 0
    prob[100:110, 50:70] = 0.9
    assert stage.zoom_box(prob, garment) is None


@pytest.mark.parametrize(
    ("photo", "kind", "seed", "area"),
    [("clothing_tshirt.jpg", "wine", 5, 0.004), ("clothing_dress.jpg", "ink", 2, 0.005)],
)
def test_closer_look_outlines_a_small_stain_better_and_keeps_the_decision(stage, segment, photo, kind, seed, area):
    """Two small synthetic stains (under 1 % of the garment) on real photos: the second look keeps
    "found" and the score, keeps the outline on the garment, and outlines the true stain better."""
    rgb, truth, inst = synthetic_photo(segment, FIXTURES / photo, seed, kind, area)
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.finding(prob, inst, rgb.shape[:2])
    closer = stage.zoomed_finding(rgb, inst, prob, first)
    assert first.found and closer.found and closer.score == first.score
    assert not (closer.mask & ~inst.mask).any()
    assert closer.area == pytest.approx(closer.mask.sum() / inst.mask.sum(), abs=1e-4)

    def iou(mask):
        return (mask & truth).sum() / (mask | truth).sum()

    assert iou(closer.mask) > iou(first.mask) + 0.05, (iou(first.mask), iou(closer.mask))


def test_no_second_look_for_a_garment_without_a_found_stain(stage, segment):
    rgb = np.asarray(Image.open(FIXTURES / "clothing_dress.jpg").convert("RGB"))  # the stain tests' clean print
    inst = garment_instance(segment, rgb)
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.finding(prob, inst, rgb.shape[:2])
    assert not first.found and stage.zoomed_finding(rgb, inst, prob, first) is first


def test_evaluation_scores_the_first_pass_and_outlines_with_the_second(stage, segment):
    """``photo_record`` with the zoom: scores and areas (what decides "found", so the false alarms)
    are those without it; the stained outline's intersection and union are the closer look's."""
    path = FIXTURES / "clothing_tshirt.jpg"
    plain, zoomed = (photo_record(stage, segment, path, 4, zoom=z) for z in (False, True))
    for key in ("clean_score", "stained_score", "clean_area", "stained_area", "true_pixels"):
        assert plain[key] == zoomed[key], key
    assert ("zoom_seconds" in zoomed) is (zoomed["stained_score"] >= stage.decision["score_threshold"])


def test_choosing_the_zoom_on_real_photos_writes_it_into_the_file(tmp_path, capsys, monkeypatch):
    data = DATASETS / "clothing-dataset"
    rows = split_rows(data, "val", 3)  # the fixture set has 4 photos, all of val contributors
    stage, segment = load_stages(None)
    before = stage.zoom
    records = zoom_records(stage, segment, rows, settings=[(4.0, 0.4)])
    assert len(records) == 3 and stage.zoom == before  # the stage is left as it was
    for r in records:
        assert set(r["iou"]) == {None, (4.0, 0.4)} and all(0 <= v <= 1 for v in r["iou"].values())
        assert ((4.0, 0.4) in r["seconds"]) is r["found"]
        if not r["found"]:
            assert r["iou"][None] == r["iou"][(4.0, 0.4)] == 0.0
    first, zoomed = figures(records, None), figures(records, (4.0, 0.4))
    assert first["mean_iou"] == pytest.approx(np.mean([r["iou"][None] for r in records]), abs=1e-4)
    assert best_setting(records) == ((4.0, 0.4) if zoomed["mean_iou"] > first["mean_iou"] else None)
    file = tmp_path / "stain.pt"
    write_checkpoint(file, load_checkpoint(WEIGHTS_DIR / "stain.pt"))
    monkeypatch.setattr("vision.stain_zoom.split_rows", lambda d, split, n: split_rows(d, "val", n))
    assert main(["--data", str(data), "--weights", str(file), "--n", "2"]) == 0
    meta = load_checkpoint(file)["meta"]
    assert "first_pass" in meta["zoom_calib"] and meta["decision"] == stage.decision
    assert (meta.get("zoom") is None) is (meta["zoom_calib"]["zoomed"] is None)
    committed = load_checkpoint(WEIGHTS_DIR / "stain.pt")["meta"]["zoom"]["recheck"]
    assert meta.get("zoom") is None or meta["zoom"]["recheck"] == committed  # the recheck chosen before stays
    assert "mean_iou" in capsys.readouterr().out


def test_a_garment_not_near_a_stain_is_not_looked_at_again(stage, segment):
    """Step 5: a clean print scoring below ``min_score`` keeps its first finding, with no second look."""
    stage.zoom["recheck"] = {"min_score": 0.3, "score_threshold": 0.998}
    rgb = np.asarray(Image.open(FIXTURES / "clothing_dress.jpg").convert("RGB"))
    inst = garment_instance(segment, rgb)
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.finding(prob, inst, rgb.shape[:2])
    assert not first.found and first.score < 0.3
    assert stage.rechecked_finding(rgb, inst, prob, first) is first


def test_a_near_miss_is_found_by_the_closer_look(stage, segment):
    """A small faint synthetic stain the first look scores below the decision is found by the
    unmirrored closer look, outlined on the garment over the true stain; with a threshold above its
    close score (none reaches 1.01), or with ``min_score`` above its first score, it stays missed."""
    rgb, truth, inst = synthetic_photo(segment, FIXTURES / NEAR_MISS[0], *NEAR_MISS[1:])
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.zoomed_finding(rgb, inst, prob, stage.finding(prob, inst, rgb.shape[:2]))
    assert not first.found and 0.3 <= first.score < stage.decision["score_threshold"]
    square, close = stage.near_miss_look(rgb, inst, prob, first.score)
    assert close.shape == (square[3] - square[1], square[2] - square[0])
    stage.zoom["recheck"] = {"min_score": 0.3, "score_threshold": 0.99}
    again = stage.rechecked_finding(rgb, inst, prob, first)
    assert again.found and again.score >= 0.99 and not (again.mask & ~inst.mask).any()
    assert (again.mask & truth).sum() / (again.mask | truth).sum() > 0.5
    stage.zoom["recheck"] = {"min_score": 0.3, "score_threshold": 1.01}  # above any score
    assert stage.rechecked_finding(rgb, inst, prob, first) is first
    stage.zoom["recheck"] = {"min_score": first.score + 0.01, "score_threshold": 0.99}
    assert stage.rechecked_finding(rgb, inst, prob, first) is first


def rec(clean_score, clean_close, stained_score, stained_close, clean_mirror=None, stained_mirror=None):
    """A hand-made :func:`vision.stain_zoom.recheck_records` record (mirrored close scores default
    to the unmirrored ones)."""
    r = {"true_area": 0.005}
    for name, score, close, mirror in (
        ("clean", clean_score, clean_close, clean_mirror),
        ("stained", stained_score, stained_close, stained_mirror),
    ):
        r[name] = {"score": score, "found": score >= 0.99, "iou": 0.8 if score >= 0.99 else 0.0}
        if score < 0.99 and score >= 0.3:
            r[name] |= {"close": close, "recheck_iou": 0.7, "seconds": 0.03}
            r[name] |= {"close_mirror": close if mirror is None else mirror, "recheck_iou_mirror": 0.7}
    return r


def test_recheck_choice_adds_no_false_alarm_and_bounds_the_looks():
    """``best_recheck`` on hand-made records: the setting that finds the stained near miss without
    finding the clean one, within the share of clean garments looked at again."""

    records = [rec(0.1, 0, 0.995, 0)] * 18 + [rec(0.7, 0.996, 0.45, 0.9992)] + [rec(0.2, 0, 0.2, 0)]
    assert recheck_figures(records, None)["mean_iou"] == pytest.approx(18 * 0.8 / 20)
    assert best_recheck(records) == (0.4, 0.999)  # from 0.5 it is not looked at; up to 0.995 the clean one is found
    f = recheck_figures(records, (0.4, 0.999))
    assert f["false_alarms"] == 0 and f["clean_looked_again"] == pytest.approx(0.05)
    assert f["mean_iou"] == pytest.approx((18 * 0.8 + 0.7) / 20)
    assert best_recheck([rec(0.1, 0, 0.995, 0)] * 5) is None


def test_choosing_the_recheck_on_real_photos_writes_it_into_the_file(tmp_path, capsys, monkeypatch):
    data = DATASETS / "clothing-dataset"
    file = tmp_path / "stain.pt"
    ckpt = load_checkpoint(WEIGHTS_DIR / "stain.pt")
    ckpt["meta"]["zoom"] = dict(ZOOM)
    write_checkpoint(file, ckpt)
    monkeypatch.setattr("vision.stain_zoom.split_rows", lambda d, split, n: split_rows(d, "val", n))
    assert main(["--recheck", "--data", str(data), "--weights", str(file), "--n", "3"]) == 0
    meta = load_checkpoint(file)["meta"]
    assert meta["zoom"]["context"] == 4.0 and meta["decision"] == ckpt["meta"]["decision"]
    assert (meta["zoom"].get("recheck") is None) is (meta["recheck_calib"]["with"] is None)
    assert meta["recheck_calib"]["without"]["false_alarms"] >= 0
    assert '"clean_looked_again"' in capsys.readouterr().out


def test_recheck_tiers_follow_the_first_score():
    """Step 5's tiers: unmirrored from ``min_score``, mirrored in the band below it, none under it."""
    stage = StainStage(None, torch.device("cpu"), {"pixel_threshold": 0.5}, dict(ZOOM))
    assert stage.recheck_tier(0.9) is None
    stage.zoom["recheck"] = {"min_score": 0.5, "score_threshold": 0.9995}
    assert stage.recheck_tier(0.5) == (0.9995, False) and stage.recheck_tier(0.45) is None
    stage.zoom["recheck"]["band"] = {"min_score": 0.3, "score_threshold": 0.999}
    assert stage.recheck_tier(0.6) == (0.9995, False)
    assert stage.recheck_tier(0.45) == (0.999, True) and stage.recheck_tier(0.3) == (0.999, True)
    assert stage.recheck_tier(0.29) is None


def test_a_near_miss_in_the_band_is_found_by_the_mirrored_closer_look(stage, segment):
    """The near miss of the T-shirt, below the unmirrored tier's ``min_score`` but in the band, is
    found by the mirrored closer look (its score is that look's), on the garment over the true
    stain; above the band's reach it stays missed."""
    rgb, truth, inst = synthetic_photo(segment, FIXTURES / NEAR_MISS[0], *NEAR_MISS[1:])
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.zoomed_finding(rgb, inst, prob, stage.finding(prob, inst, rgb.shape[:2]))
    _, mirrored = stage.near_miss_look(rgb, inst, prob, first.score, mirror=True)
    _, plain = stage.near_miss_look(rgb, inst, prob, first.score)
    assert not np.allclose(mirrored, plain)
    band = {"min_score": 0.3, "score_threshold": 0.99}
    stage.zoom["recheck"] = {"min_score": first.score + 0.01, "score_threshold": 0.99, "band": band}
    again = stage.rechecked_finding(rgb, inst, prob, first)
    assert again.found and again.score == pytest.approx(float(cv2.blur(mirrored, (3, 3)).max()), abs=1e-4)
    assert not (again.mask & ~inst.mask).any() and (again.mask & truth).sum() / (again.mask | truth).sum() > 0.5
    stage.zoom["recheck"]["band"] = {"min_score": first.score + 0.005, "score_threshold": 0.99}
    assert stage.rechecked_finding(rgb, inst, prob, first) is first


def test_a_mirrored_band_is_chosen_when_it_holds_the_false_alarms_within_the_passes():
    """A clean print and a stain both score 0.35 at first; the unmirrored close look finds both, the
    mirrored one only the stain: the band is chosen, at two passes per clean garment in it; with
    too many clean garments in the band (over ``RECHECK_MAX_PASSES``) nothing is."""
    base = [rec(0.1, 0, 0.995, 0)] * 16 + [rec(0.2, 0, 0.2, 0)]
    records = base + [rec(0.35, 0.9993, 0.35, 0.9993, clean_mirror=0.99, stained_mirror=0.9992)]
    best = best_recheck(records)
    assert best is not None and best[2:] == (0.3, 0.999)
    f = recheck_figures(records, best)
    assert f["false_alarms"] == 0 and f["clean_passes"] == pytest.approx(2 / 18, abs=1e-4)
    assert f["mean_iou"] == pytest.approx((16 * 0.8 + 0.7) / 18, abs=1e-4)
    assert recheck_figures(records, (0.3, 0.999))["false_alarms"] == 1
    crowded = base + [rec(0.35, 0.9993, 0.2, 0, clean_mirror=0.9)] * 3 + records[-1:]
    assert 2 * 4 / len(crowded) > RECHECK_MAX_PASSES and best_recheck(crowded) is None

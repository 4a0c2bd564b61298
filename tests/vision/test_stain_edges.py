"""Step 6 of the stain stage (a found stain's outline sharpened along the photo's colour edge by the
guided filter, ``vision.guided_filter``) and the command that chooses it on the calib split
(``vision.stain_edges``), on the committed weights and real fixture photos."""

from __future__ import annotations

import zlib

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES
from vision.checkpoints import WEIGHTS_DIR, load_checkpoint, write_checkpoint
from vision.guided_filter import guided_filter
from vision.stages.segment import build as build_segment
from vision.stages.stain import build as build_stain
from vision.stain_edges import best_setting, edge_records, figures, main, settings
from vision.stain_eval import garment_instance, load_stages, photo_record, split_rows, synthetic_photo

EDGES = {"radius": 0.02, "eps": 1e-4, "pixel_threshold": 0.4}
STAINED = FIXTURES / "stain_synthetic.jpg"  # a coffee stain on a printed T-shirt (see test_stains.py)
STAINED_MASK = FIXTURES / "stain_synthetic.mask.png"


@pytest.fixture(scope="module")
def segment():
    return build_segment(WEIGHTS_DIR, torch.device("cpu"))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def _stained_fixture():
    rgb = np.asarray(Image.open(STAINED).convert("RGB"))
    truth = np.asarray(Image.open(STAINED_MASK)) > 127
    return rgb, truth


def test_guided_filter_refuses_what_it_cannot_filter():
    guide, p = np.zeros((8, 8, 3), np.float32), np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match="r >= 1"):
        guided_filter(guide, p, 0, 1e-3)
    with pytest.raises(ValueError, match="eps > 0"):
        guided_filter(guide, p, 2, 0.0)
    with pytest.raises(ValueError, match="differ in size"):
        guided_filter(guide, np.zeros((8, 9), np.float32), 2, 1e-3)
    with pytest.raises(ValueError, match="scale >= 1"):
        guided_filter(guide, p, 2, 1e-3, scale=0)


def test_guided_filter_moves_a_blurred_outline_onto_the_stains_colour_edge():
    """The true mask of the stained fixture blurred as the model's upsampled map is (a Gaussian of
    8 px, outlined at 0.3, so too wide): with the photo as the guide the outline lies closer to the
    true one, with a colour guide and with a grey one; a constant map stays constant."""
    rgb, truth = _stained_fixture()
    ys, xs = np.nonzero(truth)
    y0, y1, x0, x1 = max(0, ys.min() - 40), ys.max() + 41, max(0, xs.min() - 40), xs.max() + 41
    guide, true = rgb[y0:y1, x0:x1].astype(np.float32) / 255, truth[y0:y1, x0:x1]
    blurred = cv2.GaussianBlur(true.astype(np.float32), (0, 0), 8)
    before = _iou(blurred >= 0.3, true)
    colour = _iou(guided_filter(guide, blurred, 8, 1e-4) >= 0.3, true)
    grey = _iou(guided_filter(cv2.cvtColor(guide, cv2.COLOR_RGB2GRAY), blurred, 8, 1e-4) >= 0.3, true)
    assert colour > before + 0.03 and grey > before + 0.03, (before, colour, grey)
    flat = guided_filter(guide, np.full(true.shape, 0.7, np.float32), 8, 1e-4)
    assert np.allclose(flat, 0.7, atol=1e-3)
    # the fast filter (coefficients fitted at half the size) draws nearly the same outline
    fast = guided_filter(guide, blurred, 8, 1e-4, scale=2) >= 0.3
    assert _iou(fast, guided_filter(guide, blurred, 8, 1e-4) >= 0.3) > 0.9 and _iou(fast, true) > before + 0.03


def test_step6_changes_the_outline_only_and_outlines_the_stain_better(segment):
    """The committed model on the stained fixture, with and without step 6: the same found and score
    (so the same false alarms), an outline on the garment whose area is its share, and closer to the
    true stain."""
    rgb, truth = _stained_fixture()
    inst = garment_instance(segment, rgb)
    out = {}
    for edges in (None, EDGES):
        stage = build_stain(WEIGHTS_DIR, torch.device("cpu"))
        stage.edges = edges and dict(edges)
        prob = stage.probabilities(rgb, [inst])[0]
        first = stage.finding(prob, inst, rgb.shape[:2])
        out[edges is not None] = stage.rechecked_finding(rgb, inst, prob, stage.zoomed_finding(rgb, inst, prob, first))
    plain, sharp = out[False], out[True]
    assert plain.found and sharp.found and sharp.score == plain.score
    assert not (sharp.mask & ~inst.mask).any()
    assert sharp.area == pytest.approx(sharp.mask.sum() / inst.mask.sum(), abs=1e-4)
    assert _iou(sharp.mask, truth) > _iou(plain.mask, truth), (_iou(plain.mask, truth), _iou(sharp.mask, truth))


def test_no_outline_for_a_garment_without_a_found_stain(segment):
    rgb = np.asarray(Image.open(FIXTURES / "clothing_dress.jpg").convert("RGB"))  # the stain tests' clean print
    inst = garment_instance(segment, rgb)
    stage = build_stain(WEIGHTS_DIR, torch.device("cpu"))
    stage.edges = dict(EDGES)
    prob = stage.probabilities(rgb, [inst])[0]
    first = stage.finding(prob, inst, rgb.shape[:2])
    assert not first.found and stage.zoomed_finding(rgb, inst, prob, first) is first


def test_edges_are_read_from_the_file_by_serving_and_by_the_evaluation(tmp_path):
    ckpt = load_checkpoint(WEIGHTS_DIR / "stain.pt")
    ckpt["meta"]["edges"] = dict(EDGES)
    write_checkpoint(tmp_path / "on" / "stain.pt", ckpt)
    del ckpt["meta"]["edges"]
    write_checkpoint(tmp_path / "off" / "stain.pt", ckpt)
    assert build_stain(tmp_path / "on", torch.device("cpu")).edges == EDGES
    assert load_stages(tmp_path / "on" / "stain.pt")[0].edges == EDGES
    assert build_stain(tmp_path / "off", torch.device("cpu")).edges is None


def test_evaluation_scores_the_sharpened_outline_at_the_decisions_threshold(segment):
    """``photo_record`` with step 6: the scores and areas that decide "found" are unchanged; the
    stained outline at the decision's pixel threshold is the served one."""
    path = FIXTURES / "clothing_tshirt.jpg"
    stage = build_stain(WEIGHTS_DIR, torch.device("cpu"))
    stage.edges = None
    plain = photo_record(stage, segment, path, 3)
    stage.edges = dict(EDGES)
    sharp = photo_record(stage, segment, path, 3)
    for key in ("clean_score", "stained_score", "clean_area", "stained_area", "true_pixels"):
        assert plain[key] == sharp[key], key
    t = stage.decision["pixel_threshold"]
    assert plain["stained_score"] >= stage.decision["score_threshold"]  # found: step 6 applies
    rgb, truth, inst = synthetic_photo(segment, path, 3 + zlib.crc32(path.stem.encode()))
    x0, y0, x1, y1 = inst.box
    served = stage.zoomed_finding(rgb, inst, *_first(stage, rgb, inst)).mask[y0:y1, x0:x1]
    assert sharp["inter"][t] == int((served & truth[y0:y1, x0:x1]).sum())
    assert sharp["union"][t] == int((served | truth[y0:y1, x0:x1]).sum())
    assert sharp["inter"][t] != plain["inter"][t]


def _first(stage, rgb, inst):
    prob = stage.probabilities(rgb, [inst])[0]
    return prob, stage.finding(prob, inst, rgb.shape[:2])


def test_choosing_the_edges_on_real_photos_writes_them_into_the_file(tmp_path, capsys, monkeypatch):
    data = DATASETS / "clothing-dataset"
    rows = split_rows(data, "val", 3)  # the fixture set has 4 photos, all of val contributors
    stage, segment = load_stages(None)
    records = edge_records(stage, segment, rows)
    assert len(records) == 3
    for r in records:
        if r["found"]:
            assert set(r["iou"]) == {None, *settings()} and all(0 <= v <= 1 for v in r["iou"].values())
        else:
            assert "iou" not in r
    base = figures(records, None)
    assert base["mean_iou"] == pytest.approx(np.mean([r["iou"][None] if r["found"] else 0 for r in records]), abs=1e-4)
    best = best_setting(records)
    assert best is None or figures(records, best)["mean_iou"] > base["mean_iou"]
    file = tmp_path / "stain.pt"
    write_checkpoint(file, load_checkpoint(WEIGHTS_DIR / "stain.pt"))
    monkeypatch.setattr("vision.stain_edges.split_rows", lambda d, split, n: split_rows(d, "val", n))
    assert main(["--data", str(data), "--weights", str(file), "--n", "2"]) == 0
    meta = load_checkpoint(file)["meta"]
    assert meta["decision"] == load_checkpoint(WEIGHTS_DIR / "stain.pt")["meta"]["decision"]
    assert (meta.get("edges") is None) is (meta["edges_calib"]["with"] is None)
    assert "without" in capsys.readouterr().out


def test_a_flat_guide_gives_a_finite_map_and_a_singular_window_keeps_the_maps_outline(segment, monkeypatch):
    """A guide without any colour change (a blown-out white patch) at the committed tiny ridge still
    gives a finite map; if the filter's 3 x 3 systems could not be solved, step 6 leaves the outline
    as the map gives it instead of failing the photo."""
    flat = guided_filter(
        np.ones((40, 40, 3), np.float32), np.random.default_rng(0).random((40, 40), np.float32), 4, 1e-6
    )
    assert np.isfinite(flat).all()
    rgb, _ = _stained_fixture()
    inst = garment_instance(segment, rgb)
    stage = build_stain(WEIGHTS_DIR, torch.device("cpu"))
    stage.edges = dict(EDGES)
    prob = stage.probabilities(rgb, [inst])[0]

    def singular(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr("vision.stages.stain.guided_filter", singular)
    assert np.array_equal(stage.outline(rgb, inst, prob), stage.plain_outline(inst, prob))

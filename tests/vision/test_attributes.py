"""Garment attributes: the labels file, the serving stage on real photos, the evaluation command and
a few-step training run on real photos. No Django here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES, ROOT
from vision import attribute_data, train_attributes
from vision.attribute_eval import macro_f1, score_attributes
from vision.checkpoints import WEIGHTS_DIR, load_checkpoint, sha256_file
from vision.contract import AttributeValue, GarmentInstance, PhotoAnalysis
from vision.inference import STAGES
from vision.stages import PhotoContext
from vision.stages.attributes import VIEW_FILES, AttributeStage, build
from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTES

# Hand labels of the four fixture photos (looked at one by one; the shoes have no attribute).
FIXTURE_LABELS = """image,pattern,sleeve,neckline,fit,wash,damage
08215318-faff-4037-bee9-5bceb0af7747,,,,,,
6b1ba174-b2af-4f56-9899-f258f994019a,graphic,long,crew,,,none
be698ba0-7a2c-4f38-84ea-6223dc15854d,graphic,short,crew,,,none
c4f11a12-2fcd-4268-8045-5a00aec7e656,solid,,,skinny,not-denim,none
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture()
def tiny(tmp_path) -> Path:
    """The fixture clothing-dataset folder with an ``attributes.csv`` of its four photos."""
    data = tmp_path / "clothing"
    shutil.copytree(DATASETS / "clothing-dataset", data)
    (data / "attributes.csv").write_text(FIXTURE_LABELS)
    return data


def test_committed_labels_are_valid_and_sorted():
    path = ROOT / "vision" / "references" / "attributes.csv"
    labels = attribute_data.read_labels(path)
    assert len(labels) >= 300
    stems = [line.split(",")[0] for line in path.read_text().splitlines()[1:]]
    assert stems == sorted(stems)
    # Trousers (fit, wash) and tops (sleeve, neckline) are never the same row.
    for row in labels.values():
        assert not ({"fit", "wash"} & set(row) and {"sleeve", "neckline"} & set(row)), row
    assert "## Counts" in (ROOT / "vision" / "references" / "attributes_protocol.md").read_text()


def test_validation_labels_are_the_vote_of_the_three_committed_labellings():
    """Every val picture's row in ``attributes.csv`` is the cell-by-cell majority of the three
    labellings in ``val_votes/`` (the protocol's rule)."""
    from vision.attribute_votes import vote

    refs = ROOT / "vision" / "references"
    labels = attribute_data.read_labels(refs / "attributes.csv")
    labellings = [attribute_data.read_labels(refs / "val_votes" / f"{n}.csv") for n in ("first", "second", "third")]
    assert len({frozenset(lab) for lab in labellings}) == 1 and len(labellings[0]) >= 469
    voted = vote(labellings)
    assert {s: labels[s] for s in voted} == voted
    counted = re.search(
        r"Rows per split: train (\d+), calib (\d+), val (\d+); total (\d+)\.",
        protocol := (refs / "attributes_protocol.md").read_text(),
    )
    assert counted and int(counted.group(3)) == len(voted) and int(counted.group(4)) == len(labels), protocol[-400:]


def test_read_labels_refuses_unknown_values(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("image,pattern,sleeve,neckline,fit,wash,damage\nx,stripy,,,,,\n")
    with pytest.raises(ValueError, match="pattern='stripy'"):
        attribute_data.read_labels(bad)


def test_merge_sorts_and_counts(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    header = "image,pattern,sleeve,neckline,fit,wash,damage\n"
    a.write_text(header + "zz,solid,long,crew,,,none\nmm,striped,,,,,none\n")
    b.write_text(header + "aa,checked,,,straight,dark,ripped\nmm,floral,,,,,none\n")
    out = tmp_path / "m.csv"
    assert attribute_data.merge_labels([a, b], out) == {"rows": 3, "conflicts": 1}
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1:]] == ["aa", "mm", "zz"]
    assert attribute_data.read_labels(out)["mm"]["pattern"] == "striped"  # the first file wins
    protocol = tmp_path / "p.md"
    protocol.write_text("# P\ntext\n\n## Counts\nold\n")
    c = attribute_data.counts(attribute_data.read_labels(out), {"aa": "1", "mm": "2", "zz": "3"})
    attribute_data.write_counts(protocol, attribute_data.counts_markdown(c))
    text = protocol.read_text()
    assert text.startswith("# P\ntext\n\n## Counts\n") and "old" not in text and text.count("## Counts") == 1
    assert "| wash | dark |" in text and sum(c["rows"].values()) == 3


def test_metrics_by_hand():
    assert macro_f1([("a", "a"), ("b", "a")]) == pytest.approx((2 / 3 + 0) / 2)
    rows = [
        ({"pattern": "solid"}, {"pattern": AttributeValue("solid", 0.9)}),
        ({"pattern": "striped"}, {"pattern": AttributeValue("solid", 0.6)}),
        ({}, {"pattern": AttributeValue("solid", 0.6)}),
    ]
    r = score_attributes(rows)
    assert r["n"] == 3 and r["pattern"]["n"] == 2 and r["pattern"]["accuracy"] == 0.5
    assert r["pattern"]["confusion"] == {"solid": {"solid": 1}, "striped": {"solid": 1}}
    assert r["sleeve"]["n"] == 0 and r["sleeve"]["accuracy"] is None


def test_masked_loss_ignores_empty_cells():
    torch.manual_seed(0)
    logits = {a.name: torch.randn(3, len(a.slugs), requires_grad=True) for a in ATTRIBUTES}
    y = torch.full((3, len(ATTRIBUTES)), -1)
    y[0, 0] = 1  # one pattern label only
    loss, parts = train_attributes.masked_loss(logits, y)
    loss.backward()
    assert set(parts) == {"pattern"}
    assert logits["pattern"].grad[0].abs().sum() > 0 and logits["pattern"].grad[1:].abs().sum() == 0
    assert all(logits[a.name].grad.abs().sum() == 0 for a in ATTRIBUTES[1:])


def test_value_weights_lift_rare_values_and_keep_the_mean_row_weight():
    y = torch.full((10, len(ATTRIBUTES)), -1)
    y[:9, 0] = 0  # nine solid patterns
    y[9, 0] = 3  # one dotted
    w = train_attributes.value_weights(y, 0.5)["pattern"]
    assert w[3] > 2 * w[0]  # the rare value counts more
    rows = torch.cat([w[y[:9, 0]], w[y[9:, 0]]])
    assert abs(float(rows.mean()) - 1.0) < 1e-5
    assert torch.equal(train_attributes.value_weights(y, 0.0)["pattern"], torch.ones(7))
    assert torch.equal(train_attributes.value_weights(y, 0.5)["sleeve"], torch.ones(3))  # no sleeve labelled
    logits = {a.name: torch.zeros(10, len(a.slugs)) for a in ATTRIBUTES}
    logits["pattern"][:, 0] = 2.0  # "solid" for every row: right on 9, wrong on the dotted one
    plain, _ = train_attributes.masked_loss(logits, y, smoothing=0.0)
    weighted, _ = train_attributes.masked_loss(
        logits, y, smoothing=0.0, weights={"pattern": w, **{a.name: torch.ones(len(a.slugs)) for a in ATTRIBUTES[1:]}}
    )
    assert float(weighted) > float(plain)  # the missed rare value weighs more


def test_committed_weights_and_card():
    path = WEIGHTS_DIR / "attributes.pt"
    ckpt = load_checkpoint(path)
    assert ckpt["labels"] == attribute_data.attribute_labels()
    assert path.stat().st_size < 25e6
    card = (WEIGHTS_DIR / "MODEL_CARD_attributes.md").read_text()
    assert sha256_file(path) in card
    # The view models served beside it: a region of the picture, some heads, a combine rule, a card entry.
    views = [WEIGHTS_DIR / f for f in VIEW_FILES if (WEIGHTS_DIR / f).exists()]
    assert views, "no view model committed"
    for view in views:
        ckpt = load_checkpoint(view)
        assert ckpt["config"]["region"] != "whole" and set(ckpt["labels"]) < set(attribute_data.attribute_labels())
        assert ckpt["meta"]["combine"] in ("replace", "mean") and "/tmp" not in str(ckpt["meta"]["args"])
        assert view.stat().st_size < 25e6 and sha256_file(view) in card


def test_stage_on_real_photos_gives_applicable_attributes(pipeline):
    assert STAGES.index("attributes") == STAGES.index("embed") + 1
    seen = 0
    for name in ("clothing_tshirt.jpg", "clothing_pants.jpg", "clothing_shoes.jpg", "ccp_0008.jpg"):
        analysis = pipeline(Image.open(FIXTURES / name))
        assert "attributes" in analysis.seconds
        for g in analysis.instances:
            expected = {a.name for a in ATTRIBUTES if a.applies(g.category)}
            assert set(g.attributes) == expected, (name, g.category, g.attributes)
            for attr, v in g.attributes.items():
                assert v.value in ATTRIBUTE_BY_NAME[attr].slugs and 0.0 <= v.score <= 1.0
            seen += len(g.attributes)
    assert seen >= 6  # the t-shirt (4), the trousers (4) and the worn garments


def test_stage_without_weights_leaves_attributes_empty(tmp_path):
    stage = build(tmp_path, torch.device("cpu"))
    image = Image.open(FIXTURES / "clothing_tshirt.jpg").convert("RGB")
    inst = GarmentInstance(
        box=(0, 0, image.width, image.height),
        mask=np.ones((image.height, image.width), bool),
        category="top-t-shirt-sweatshirt",
    )
    ctx = PhotoContext(image, np.asarray(image), PhotoAnalysis(image.width, image.height, instances=[inst]))
    stage(ctx)
    assert stage.model is None and inst.attributes == {}


def test_garment_only_greys_out_everything_but_the_mask_and_the_stage_uses_it_when_trained_so():
    from vision.presets import PAD_RGB
    from vision.stages.attributes import garment_only

    image = Image.open(FIXTURES / "clothing_pants.jpg").convert("RGB")
    rgb = np.asarray(image)
    mask = np.zeros(rgb.shape[:2], bool)
    mask[100:300, 50:250] = True
    out = np.asarray(garment_only(image, mask))
    assert (out[mask] == rgb[mask]).all() and (out[~mask] == np.array(PAD_RGB)).all()
    with pytest.raises(ValueError, match="does not match"):
        garment_only(image, mask[:10])
    # A model trained on the garment alone answers the same for the garment on any background.
    stage = build(WEIGHTS_DIR, torch.device("cpu"))
    stage.model.background = "grey"
    try:
        answers = []
        for background in (rgb, np.full_like(rgb, 255)):
            photo = Image.fromarray(np.where(mask[..., None], rgb, background).astype(np.uint8))
            inst = GarmentInstance(box=(50, 100, 250, 300), mask=mask, category="pants")
            stage(PhotoContext(photo, np.asarray(photo), PhotoAnalysis(photo.width, photo.height, instances=[inst])))
            answers.append(inst.attributes)
        assert answers[0] == answers[1] and set(answers[0]) == {a.name for a in ATTRIBUTES if a.applies("pants")}
    finally:
        stage.model.background = "photo"


def test_evaluate_command_on_fixture_photos(tiny):
    r = _run("vision.evaluate", "attributes", "--data", str(tiny), "--threads", "1")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n"] == 4 and out["split"] == "all"
    assert out["pattern"]["n"] == 3 and out["pattern"]["counts"] == {"solid": 1, "graphic": 2}
    assert out["sleeve"]["n"] == 2 and out["fit"]["n"] == 1 and out["wash"]["counts"] == {"not-denim": 1}
    for a in ATTRIBUTES:
        figures = out[a.name]
        assert sum(sum(row.values()) for row in figures["confusion"].values()) == figures["n"]
        assert 0.0 <= figures["accuracy"] <= 1.0 and 0.0 <= figures["macro_f1"] <= 1.0
    # --labels overrides DIR/attributes.csv; --split val keeps only held-out contributors.
    other = tiny.parent / "labels.csv"
    other.write_text(FIXTURE_LABELS.replace("graphic,short", "striped,short"))
    r = _run("vision.evaluate", "attributes", "--data", str(tiny), "--labels", str(other), "--split", "val")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["pattern"]["counts"] == {"solid": 1, "graphic": 1, "striped": 1}


def test_evaluate_served_goes_through_the_whole_pipeline(tiny):
    r = _run("vision.evaluate", "attributes", "--data", str(tiny), "--served", "--threads", "1")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n"] == 4 and out["seconds_per_photo"] > 0
    assert out["labelled"] == {"pattern": 3, "sleeve": 2, "neckline": 2, "fit": 1, "wash": 1, "damage": 3}
    # The pipeline asks an attribute only of a garment whose category it applies to.
    for a in ATTRIBUTES:
        assert out[a.name]["n"] <= out["labelled"][a.name]
    assert out["pattern"]["n"] == 3 and out["damage"]["n"] == 3


def test_training_smoke_run(tiny, tmp_path):
    """A few steps on the four real photos, then the result serves as the stage."""
    weights = tmp_path / "weights"
    common = ["--data", str(tiny), "--labels", str(tiny / "attributes.csv"), "--views", "2", "--batch-size", "2"]
    r = _run("vision.train_attributes", *common, "--out", str(weights / "attributes.pt"), "--max-steps", "4",
             "--train-on-all", "--device", "cpu", "--threads", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    ckpt = load_checkpoint(weights / "attributes.pt")
    assert ckpt["meta"]["train_rows"]["pattern"] == 3 and set(ckpt["meta"]["temperatures"]) == set(ATTRIBUTE_BY_NAME)
    stage = build(weights, torch.device("cpu"))
    answers = stage.predict([Image.open(FIXTURES / "clothing_pants.jpg").convert("RGB")])
    assert set(answers[0]) == set(ATTRIBUTE_BY_NAME)
    # --stop-at then --resume ends on the uninterrupted run's weights.
    part = tmp_path / "part" / "attributes.pt"
    r = _run("vision.train_attributes", *common, "--out", str(part), "--max-steps", "4", "--train-on-all",
             "--stop-at", "2", "--device", "cpu", "--threads", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = _run("vision.train_attributes", *common, "--out", str(part), "--max-steps", "4", "--train-on-all",
             "--resume", str(part.with_suffix(".train.pt")), "--device", "cpu", "--threads", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    # The garment alone on grey: recorded in the checkpoint, and the stage built from it says so.
    r = _run("vision.train_attributes", *common, "--out", str(tmp_path / "grey" / "attributes.pt"), "--max-steps",
             "2", "--train-on-all", "--background", "grey", "--served-calib", "--device", "cpu",
             "--threads", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert load_checkpoint(tmp_path / "grey" / "attributes.pt")["config"]["background"] == "grey"
    assert load_checkpoint(tmp_path / "grey" / "attributes.pt")["meta"]["args"]["served_calib"] is True
    assert build(tmp_path / "grey", torch.device("cpu")).model.background == "grey"
    full = load_checkpoint(weights / "attributes.train.pt")["state_dict"]
    resumed = load_checkpoint(part.with_suffix(".train.pt"))["state_dict"]
    assert all(torch.equal(full[k], resumed[k]) for k in full)
    # ... and keeps the same round as the uninterrupted run, the rounds before the stop included.
    assert part.with_suffix(".best.pt").exists()
    kept, kept_resumed = load_checkpoint(weights / "attributes.pt"), load_checkpoint(part)
    assert kept["meta"]["calib"] == kept_resumed["meta"]["calib"]
    assert all(torch.equal(kept["state_dict"][k], kept_resumed["state_dict"][k]) for k in kept["state_dict"])


def test_region_crop_keeps_the_top_centre_of_the_garment_picture():
    from vision.stages.attributes import TOP_REGION, region_crop

    picture = Image.open(FIXTURES / "clothing_tshirt.jpg").convert("RGB")
    assert region_crop(picture, "whole") is picture
    top = region_crop(picture, "top")
    w, h = picture.size
    x0, y0, x1, y1 = TOP_REGION
    assert top.size == (round(x1 * w) - int(x0 * w), round(y1 * h) - int(y0 * h))
    assert np.array_equal(np.asarray(top), np.asarray(picture)[: top.height, int(x0 * w) : int(x0 * w) + top.width])
    assert region_crop(Image.new("RGB", (1, 1)), "top").size == (1, 1)
    with pytest.raises(ValueError, match="unknown region"):
        region_crop(picture, "bottom")


def test_top_view_model_trains_and_refines_the_neckline_only(tiny, tmp_path):
    """A neckline-only model of the picture's top, trained a few steps on real photos, answers the
    neckline beside the committed main model; the other attributes stay the main model's."""
    weights = tmp_path / "weights"
    r = _run("vision.train_attributes", "--data", str(tiny), "--labels", str(tiny / "attributes.csv"), "--views", "2",
             "--batch-size", "2", "--out", str(weights / "attributes_top.pt"), "--max-steps", "3", "--train-on-all",
             "--region", "top", "--attributes", "neckline", "--device", "cpu", "--threads", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    ckpt = load_checkpoint(weights / "attributes_top.pt")
    assert ckpt["config"]["region"] == "top" and {label.split(":")[0] for label in ckpt["labels"]} == {"neckline"}
    assert ckpt["meta"]["train_rows"]["neckline"] == 2 and ckpt["meta"]["train_rows"]["pattern"] == 0
    assert set(ckpt["meta"]["temperatures"]) == {"neckline"}
    shutil.copy(WEIGHTS_DIR / "attributes.pt", weights / "attributes.pt")
    stage = build(weights, torch.device("cpu"))
    main = AttributeStage(stage.model, torch.device("cpu"))  # the main model alone
    assert len(stage.views) == 1 and stage.views[0].region == "top"
    crops = [Image.open(FIXTURES / name).convert("RGB") for name in ("clothing_tshirt.jpg", "clothing_pants.jpg")]
    both, alone = stage.predict(crops), main.predict(crops)
    top_only = stage.probabilities(crops, stage.views[0])
    assert set(top_only) == {"neckline"} and stage.views[0].combine == "replace"
    for b, a, p in zip(both, alone, top_only["neckline"]):
        assert b["neckline"].value == stage.views[0].values["neckline"][int(p.argmax())]
        assert b["neckline"].score == round(float(p.max()), 4)
        assert {k: v for k, v in b.items() if k != "neckline"} == {k: v for k, v in a.items() if k != "neckline"}
    # "mean" averages the two models' probabilities.
    stage.views[0].combine = "mean"
    mean = (main.probabilities(crops)["neckline"] + top_only["neckline"]) / 2
    assert [r["neckline"].score for r in stage.predict(crops)] == [round(float(m.max()), 4) for m in mean]
    # In the pipeline the view runs only for garments the neckline applies to (not trousers).
    seen = []
    probabilities = stage.probabilities
    stage.probabilities = lambda c, model=None: (seen.append((model is not None, len(c))), probabilities(c, model))[1]
    for category in ("top-t-shirt-sweatshirt", "pants"):
        image = crops[0]
        inst = GarmentInstance(box=(0, 0, image.width, image.height), mask=np.ones((image.height, image.width), bool),
                               category=category)  # fmt: skip
        stage(PhotoContext(image, np.asarray(image), PhotoAnalysis(image.width, image.height, instances=[inst])))
        assert set(inst.attributes) == {a.name for a in ATTRIBUTES if a.applies(category)}
    assert seen == [(False, 1), (True, 1), (False, 1)]
    # The choice is recorded in the view's file, and a file that is not a view is refused.
    from vision.attribute_eval import set_combine

    assert set_combine(weights / "attributes_top.pt", "mean")["combine"] == "mean"
    assert build(weights, torch.device("cpu")).views[0].combine == "mean"
    with pytest.raises(ValueError, match="not a view model"):
        set_combine(weights / "attributes.pt", "mean")
    with pytest.raises(ValueError, match="combine must be"):
        set_combine(weights / "attributes_top.pt", "max")
    # A view file that is not an attribute model is refused.
    shutil.copy(WEIGHTS_DIR / "classifier.pt", weights / "attributes_top.pt")
    with pytest.raises(ValueError, match="attributes_top.pt holds"):
        build(weights, torch.device("cpu"))


def test_mirror_averages_a_picture_with_its_mirror_and_is_recorded_in_the_file(tmp_path):
    """With ``mirror`` set, a garment and its mirror image get the same answer (every attribute is
    mirror-invariant), unlike the model alone; the setting is written into the file and read back."""
    from PIL import ImageOps

    from vision.attribute_eval import set_mirror

    weights = tmp_path / "weights"
    weights.mkdir()
    shutil.copy(WEIGHTS_DIR / "attributes.pt", weights / "attributes.pt")
    stage = build(weights, torch.device("cpu"))
    assert stage.model.mirror is False
    size = stage.model.input_size  # a square picture of the input size: no letterbox padding to break symmetry
    names = ("clothing_tshirt.jpg", "clothing_pants.jpg")
    crops = [Image.open(FIXTURES / n).convert("RGB").resize((size, size)) for n in names]
    mirrored = [ImageOps.mirror(c) for c in crops]
    plain, plain_m = stage.probabilities(crops), stage.probabilities(mirrored)
    assert max(float((plain[n] - plain_m[n]).abs().max()) for n in plain) > 1e-3  # the model alone is not symmetric
    assert set_mirror(weights / "attributes.pt", True)["mirror"] is True
    stage = build(weights, torch.device("cpu"))
    assert stage.model.mirror is True
    both, both_m = stage.probabilities(crops), stage.probabilities(mirrored)
    for n in both:
        assert torch.allclose(both[n], both_m[n], atol=1e-3)
        assert torch.allclose(both[n], (plain[n] + plain_m[n]) / 2, atol=1e-3)
        assert torch.allclose(both[n].sum(1), torch.ones(len(crops)), atol=1e-3)
    with pytest.raises(ValueError, match="not an attribute model"):
        set_mirror(shutil.copy(WEIGHTS_DIR / "classifier.pt", weights / "classifier.pt"), True)


def test_served_calib_chooses_on_the_picture_the_stage_serves(tiny):
    """``--served-calib``: the calibration pictures the round is chosen on are what the stage feeds
    the model (the region letterboxed straight to the input size), not the pack's pictures (letterboxed
    to ``--pack-size``, then resized), which differ from them."""
    from argparse import Namespace

    from vision import lite0
    from vision.lite0_models import ATTRIBUTE_ARCH
    from vision.registry import build_model

    items = attribute_data.examples(attribute_data.read_labels(tiny / "attributes.csv"), tiny, None)
    segmenter = attribute_data.load_segmenter(WEIGHTS_DIR)
    pack = attribute_data.pictures(items, segmenter, 120, region="top")
    held = list(range(len(items)))
    model = build_model(ATTRIBUTE_ARCH, ["neckline:crew", "neckline:v"], input_size=96, region="top")
    served = AttributeStage(model, torch.device("cpu")).preprocess(
        [attribute_data.garment_picture(ex, segmenter) for ex in items], model
    )

    def as_trained(pictures):  # what the frozen pass feeds the backbone (train_attributes.frozen_features)
        return lite0.scale_input(train_attributes.center(pictures, 96) * 255.0)

    args = Namespace(served_calib=True, input_size=96, cache="", background="photo", region="top")
    assert torch.allclose(
        as_trained(train_attributes.calib_pictures(pack, items, held, segmenter, args)), served, atol=1e-3
    )
    args.served_calib = False
    assert not torch.allclose(
        as_trained(train_attributes.calib_pictures(pack, items, held, segmenter, args)), served, atol=1e-3
    )

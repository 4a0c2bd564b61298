"""The model registry and the checkpoint format: committed weights, round trips, errors. No Django."""

from __future__ import annotations

import hashlib

import pytest
import torch
from torch import nn

from vision import lite0_models, taxonomy
from vision.checkpoints import (
    FORMAT_VERSION,
    WEIGHTS_DIR,
    load_checkpoint,
    load_model,
    save_checkpoint,
    sha256_file,
)
from vision.models import CLASSIFIER_ARCH, DETECTOR_ARCH
from vision.registry import architectures, build_model, register


def test_committed_weights_are_small_and_carded():
    for name in ("detector", "classifier", "stain"):
        path = WEIGHTS_DIR / f"{name}.pt"
        assert path.stat().st_size < 25 * 2**20
        card = (WEIGHTS_DIR / f"MODEL_CARD_{name}.md").read_text()
        assert hashlib.sha256(path.read_bytes()).hexdigest() in card
        ckpt = load_checkpoint(path)
        assert ckpt["data_sha256"] in card and len(ckpt["data_sha256"]) == 64


def test_committed_weights_record_what_rebuilds_them():
    det = load_checkpoint(WEIGHTS_DIR / "detector.pt")
    cls = load_checkpoint(WEIGHTS_DIR / "classifier.pt")
    assert det["format_version"] == cls["format_version"] == FORMAT_VERSION
    assert (det["arch"], cls["arch"]) == (lite0_models.DETECTOR_ARCH, lite0_models.CLASSIFIER_ARCH)
    assert det["labels"] == taxonomy.CATEGORY_SLUGS
    assert len(cls["labels"]) == 46 and all(s in taxonomy.TYPE_BY_SLUG for s in cls["labels"])
    assert set(det["config"]) >= {"fpn_channels", "min_size", "max_size"}
    assert set(cls["config"]) == {"input_size", "dropout"}
    for ckpt in (det, cls):
        assert "training" not in ckpt  # serving weights: no optimizer state
        assert {v.dtype for v in ckpt["state_dict"].values() if v.is_floating_point()} == {torch.float16}
        assert len(ckpt["data_sha256"]) == 64 and "converted_from" not in ckpt["meta"]
    # fitted by vision.calibrate: a temperature and the photo-kind head, both in the served model
    fitted = cls["meta"]["calibration"]
    assert 0.5 <= fitted["temperature"] <= 4.0
    model = load_model(WEIGHTS_DIR / "classifier.pt")
    assert model.temperature.item() == pytest.approx(fitted["temperature"], abs=1e-3)
    assert model.kind.weight.abs().sum() > 0


@pytest.mark.parametrize(
    "arch, labels, config, shape",
    [
        (
            CLASSIFIER_ARCH,
            ["t-shirt", "jeans", "sneakers"],
            {"widths": [8, 16, 16, 32], "depths": [1, 1, 1, 1]},
            (2, 3, 64, 64),
        ),
        (
            DETECTOR_ARCH,
            taxonomy.CATEGORY_SLUGS[:5],
            {"widths": [8, 16, 16, 32], "fpn_channels": 16, "min_size": 96, "max_size": 128},
            (3, 90, 120),
        ),
    ],
)
def test_checkpoint_round_trip_rebuilds_the_same_model(tmp_path, arch, labels, config, shape):
    torch.manual_seed(0)
    model = build_model(arch, labels, **config).eval()
    if arch == DETECTOR_ARCH:  # a trained-looking box head, so that some detection comes out
        for p in model.parameters():
            p.data.normal_(0, 0.02)
        model.roi_heads.score_thresh = 0.0
    path = save_checkpoint(tmp_path / "m.pt", model, data_sha256="ab" * 32, meta={"note": "test"})
    again = load_model(path, "cpu")
    assert type(again) is type(model) and again.spec == model.spec and not again.training
    assert again.spec.labels == labels and again.spec.config["widths"] == [8, 16, 16, 32]
    for (k, a), (k2, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert k == k2 and torch.equal(a, b), k
    torch.manual_seed(1)
    x = torch.rand(shape)
    with torch.no_grad():
        if arch == CLASSIFIER_ARCH:
            assert torch.equal(model(x), again(x))
        else:
            out, out2 = model([x])[0], again([x])[0]
            assert len(out["scores"]) > 0
            assert all(torch.equal(out[k], out2[k]) for k in out)
    ckpt = load_checkpoint(path)
    assert ckpt["data_sha256"] == "ab" * 32 and ckpt["meta"] == {"note": "test"}
    # fp16 serving copy: half the bytes of floats, same architecture, weights within fp16 rounding.
    half = save_checkpoint(tmp_path / "h.pt", model, data_sha256=None, half=True)
    assert half.stat().st_size < path.stat().st_size
    rebuilt = load_model(half)
    for k, v in model.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[k], v.half().float() if v.is_floating_point() else v)


def test_unknown_or_old_files_are_refused(tmp_path):
    old = tmp_path / "old.pt"
    torch.save({"state_dict": {}, "widths": (32,), "meta": {}}, old)
    with pytest.raises(ValueError, match="convert_weights"):
        load_checkpoint(old)
    model = build_model(CLASSIFIER_ARCH, ["hat"], widths=[8, 8, 8, 8])
    path = save_checkpoint(tmp_path / "m.pt", model, data_sha256=None)
    ckpt = torch.load(path, weights_only=True)
    ckpt["format_version"] = FORMAT_VERSION + 1
    torch.save(ckpt, path)
    with pytest.raises(ValueError, match="version"):
        load_checkpoint(path)
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("resnet9000", ["hat"])
    with pytest.raises(TypeError):
        build_model(CLASSIFIER_ARCH, ["hat"], colour=True)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.pt")


def test_adding_an_architecture_is_one_decorated_builder(tmp_path):
    name = "test_tiny_linear"
    if name not in architectures():

        @register(name, task="classifier")
        def tiny(labels: list[str], width: int = 4) -> nn.Module:
            return nn.Sequential(nn.Flatten(), nn.Linear(3 * 2 * 2, width), nn.Linear(width, len(labels)))

    model = build_model(name, ["hat", "tie"], width=5)
    path = save_checkpoint(tmp_path / "tiny.pt", model, data_sha256=None)
    again = load_model(path)
    assert again.spec.arch == name and again.spec.config == {"width": 5}
    x = torch.rand(1, 3, 2, 2)
    assert torch.equal(model.eval()(x), again(x))
    with pytest.raises(ValueError, match="twice"):
        register(name, task="classifier")(lambda labels: nn.Identity())


def test_sha256_file(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(b"abc")
    assert sha256_file(p) == hashlib.sha256(b"abc").hexdigest()


def test_convert_weights_keeps_the_tensors(tmp_path):
    """An earlier-format pair of files (small models of the first architectures, random weights)
    converts to files that load to the same tensors; a second run leaves them alone."""
    from vision import convert_weights

    torch.manual_seed(0)
    det = build_model(
        DETECTOR_ARCH, taxonomy.CATEGORY_SLUGS, widths=[8, 16, 16, 32], depths=[1, 1, 1, 1], fpn_channels=16
    )
    cls = build_model(CLASSIFIER_ARCH, ["hat", "jeans"], widths=[8, 16, 16, 32], depths=[1, 1, 1, 1], norm="bn")
    half = {
        name: {k: v.half() if v.is_floating_point() else v for k, v in m.state_dict().items()}
        for name, m in (("detector", det), ("classifier", cls))
    }
    torch.save(
        {
            "state_dict": half["detector"],
            "widths": (8, 16, 16, 32),
            "depths": (1, 1, 1, 1),
            "fpn_channels": 16,
            "meta": {"step": 1},
        },
        tmp_path / "detector.pt",
    )
    torch.save(
        {
            "state_dict": half["classifier"],
            "type_slugs": ["hat", "jeans"],
            "widths": (8, 16, 16, 32),
            "depths": (1, 1, 1, 1),
            "norm": "bn",
            "meta": {"epoch": 2},
        },
        tmp_path / "classifier.pt",
    )
    convert_weights.main(["--weights-dir", str(tmp_path), "--datasets", str(tmp_path / "none")])
    for name, original in (("detector", det), ("classifier", cls)):
        new = load_checkpoint(tmp_path / f"{name}.pt")
        assert (new["arch"], new["labels"]) == (original.spec.arch, original.spec.labels)
        assert new["config"]["widths"] == [8, 16, 16, 32]
        assert new["data_sha256"] is None and new["meta"]["converted_from"]
        assert all(torch.equal(new["state_dict"][k], v) for k, v in half[name].items())
    before = sha256_file(tmp_path / "detector.pt")
    convert_weights.main(["--weights-dir", str(tmp_path), "--datasets", str(tmp_path / "none")])
    assert sha256_file(tmp_path / "detector.pt") == before

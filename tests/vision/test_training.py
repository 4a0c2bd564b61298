"""Training on real photos: packing, a few-step smoke run of both models, exact ``--resume``,
``--init``, the learning-rate schedule, Copy-Paste and the batched classifier augmentation.
No Django here."""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES, ROOT
from vision import datasets, engine, pack, train_classifier, train_detector
from vision.checkpoints import WEIGHTS_DIR, load_checkpoint
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
    assert len(cls["index"]) == 1 + len(cls["types"]) + len(cls["scene_stems"])
    assert len(det["index"]) == 1 + len(det["stems"])
    # The whole street photos ride along for the photo-kind head, each with its split.
    assert cls["scenes"].shape == (len(det["stems"]), 3, 144, 144) and cls["scene_split"] == det["split"]
    assert set(cls["split"]) <= {"train", "val", "calib"} and cls["val"].tolist() == [s == "val" for s in cls["split"]]


def test_training_smoke_run(packs, tmp_path):
    """Train both models a few steps on the packed fixture photos, and serve the result."""
    weights = tmp_path / "weights"
    r = _run(
        "vision.train_classifier",
        "--pack",
        str(packs / "classifier.pt"),
        "--out",
        str(weights / "classifier.pt"),
        "--max-steps",
        "2",
        "--batch-size",
        "4",
        "--train-on-all",
        "--device",
        "cpu",
    )
    assert r.returncode == 0, r.stderr
    r = _run(
        "vision.train_detector",
        "--pack",
        str(packs / "ccp.pt"),
        "--out",
        str(weights / "detector.pt"),
        "--max-steps",
        "2",
        "--batch-size",
        "2",
        "--train-on-all",
        "--device",
        "cpu",
    )
    assert r.returncode == 0, r.stderr
    assert '"step": 1' in r.stdout
    for name in ("classifier", "detector"):
        ckpt = load_checkpoint(weights / f"{name}.pt")
        assert (
            ckpt["data_sha256"]
            == torch.load(packs / ("classifier.pt" if name == "classifier" else "ccp.pt"))["index_sha256"]
        )
    # Fit the kind head and the temperature (on the fixture's only split, its validation one).
    r = _run(
        "vision.calibrate",
        "--pack",
        str(packs / "classifier.pt"),
        "--weights",
        str(weights / "classifier.pt"),
        "--out",
        str(weights / "classifier.pt"),
        "--kind-split",
        "val",
        "--split",
        "val",
    )
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0.5 <= report["temperature"] <= 4.0 and report["kind_n"] == {"single": 4, "worn": 2}
    calibrated = load_checkpoint(weights / "classifier.pt")
    assert calibrated["meta"]["calibration"] == report
    assert float(calibrated["state_dict"]["temperature"]) == pytest.approx(report["temperature"], abs=1e-2)
    shutil.copy(WEIGHTS_DIR / "segmenter.pt", weights / "segmenter.pt")  # trained in test_segmenter.py
    smoke = load_pipeline(weights, "cpu")
    analysis = smoke(Image.open(FIXTURES / "clothing_shoes.jpg"))
    assert analysis and analysis.single_item_score is not None


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


def test_classifier_augmentation_is_batched():
    from vision import presets
    from vision.train_classifier import augment

    photos = [Image.open(FIXTURES / f"clothing_{n}.jpg") for n in ("tshirt", "pants", "shoes", "dress")]
    batch = torch.stack([presets.to_uint8_chw(presets.letterbox(p, presets.CLASSIFIER_PACK_SIZE)) for p in photos])
    torch.manual_seed(0)
    x = augment(batch, 112)
    assert x.shape == (4, 3, 112, 112) and x.dtype == torch.float32 and torch.isfinite(x).all()
    # RGB in [0, 1] (each model normalises it its own way), and different from a plain resize.
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0 and 0.05 < float(x.std()) < 0.5
    plain = torch.nn.functional.interpolate(batch.float() / 255, size=112, mode="bilinear")
    assert not torch.allclose(x, plain, atol=0.1)


def test_schedule_is_linear_warmup_then_cosine():
    """The rate of each step follows build_scheduler's formula: (s + 1) / W up to the warm-up's end,
    then (1 + cos(pi (s - W) / (T - W))) / 2."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=2.0)
    total, warmup = 12, 4
    sched = engine.build_scheduler(opt, total, warmup)
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    cosine = [(1 + math.cos(math.pi * (s - warmup) / (total - warmup))) / 2 for s in range(total)]
    expected = [2.0 * ((s + 1) / warmup if s < warmup else cosine[s]) for s in range(total)]
    assert rates == pytest.approx(expected, abs=1e-9)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)  # step T: the cosine reached 0
    assert engine.warmup_length(100, 6) == 3  # a short run warms up over at most half of it


def test_schedule_length_can_be_fixed_during_warmup_only():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=1.0)
    sched = engine.build_scheduler(opt, 0, 5)  # --minutes: length unknown
    for _ in range(3):
        opt.step()
        sched.step()
    engine.set_total_steps(sched, 15)
    for _ in range(2):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0)  # the cosine starts at the peak...
    for _ in range(10):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)  # ...and ends at step 15
    with pytest.raises(ValueError):
        engine.set_total_steps(sched, 30)
    with pytest.raises(ValueError):
        engine.build_scheduler(opt, 0, 2)


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _same_weights(a: Path, b: Path) -> None:
    sa, sb = load_checkpoint(a)["state_dict"], load_checkpoint(b)["state_dict"]
    assert list(sa) == list(sb)
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


CLASSIFIER_RUN = [
    "--max-steps",
    "7",
    "--batch-size",
    "4",
    "--train-on-all",
    "--device",
    "cpu",
    "--threads",
    "1",
    "--warmup",
    "2",
]
DETECTOR_RUN = [
    "--max-steps",
    "4",
    "--batch-size",
    "1",
    "--train-on-all",
    "--device",
    "cpu",
    "--threads",
    "1",
    "--warmup",
    "2",
    "--copy-paste",
    "0.5",
]


def test_step_budget_counts_steps_only_once_restarted(monkeypatch):
    """--minutes is a budget of training steps: one-off work before the first step (the stain
    run's hard-negative mining) is left out by ``StepBudget.restart``."""
    clock = [0.0]
    monkeypatch.setattr(engine.time, "perf_counter", lambda: clock[0])
    lengths = []
    for restart in (False, True):
        clock[0] = 0.0
        p = torch.nn.Parameter(torch.zeros(1))
        sched = engine.build_scheduler(torch.optim.AdamW([p], lr=1.0), 0, 50)
        state = engine.TrainState(total_steps=0, warmup_steps=50)
        budget = engine.StepBudget(100.0, sched, state, probe=10, log=lambda record: None)
        clock[0] = 40.0  # 40 s of mining before the first step
        if restart:
            budget.restart(state)
        for step in range(1, 30):
            state.step = step
            clock[0] += 1.0  # one second a step
            budget(state)
            if state.total_steps:
                break
        lengths.append(state.total_steps)
    # Without the restart the mining's 40 s are spent from the 100 s budget; with it, all 100 go to
    # steps: 11 steps done at 51 s (restart: 11 s) leave 49 (89) more of 1 s each.
    assert lengths == [11 + 49, 11 + 89]


def test_classifier_resume_is_exact(packs, tmp_path, one_thread):
    """7 steps straight (16 images, 4 per batch: epochs end at steps 4 and 7) and 3 + --resume 4
    (stopped inside the first epoch) end with the same weights, optimizer, schedule and best epoch."""
    pack_args = ["--pack", str(packs / "classifier.pt")]
    straight = train_classifier.main([*pack_args, "--out", str(tmp_path / "a" / "c.pt"), *CLASSIFIER_RUN])
    first = train_classifier.main(
        [*pack_args, "--out", str(tmp_path / "b" / "c.pt"), *CLASSIFIER_RUN, "--stop-at", "3"]
    )
    assert (first.step, first.epoch, first.batch) == (3, 0, 3)
    part = load_checkpoint(tmp_path / "b" / "c.train.pt")
    assert part["training"]["state"]["step"] == 3 and len(part["training"]["state"]["order"]) == 16
    resumed = train_classifier.main(
        [
            *pack_args,
            "--out",
            str(tmp_path / "b" / "c.pt"),
            *CLASSIFIER_RUN,
            "--resume",
            str(tmp_path / "b" / "c.train.pt"),
        ]
    )
    assert (
        (resumed.step, resumed.epoch, resumed.best)
        == (straight.step, straight.epoch, straight.best)
        == (7, 2, straight.best)
    )
    _same_weights(tmp_path / "a" / "c.train.pt", tmp_path / "b" / "c.train.pt")
    _same_weights(tmp_path / "a" / "c.pt", tmp_path / "b" / "c.pt")
    a, b = (load_checkpoint(tmp_path / x / "c.train.pt")["training"] for x in ("a", "b"))
    assert a["scheduler"] == b["scheduler"]
    for sa, sb in zip(a["optimizer"]["state"].values(), b["optimizer"]["state"].values()):
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert torch.equal(a["rng"]["torch"], b["rng"]["torch"])


def test_detector_resume_is_exact(packs, tmp_path, one_thread):
    """Mask R-CNN training is deterministic on the CPU (one thread): 4 steps straight and 1 + --resume 3
    (stopped inside the first epoch of 2 photos, with Copy-Paste drawing from both generators) end
    with the same weights."""
    pack_args = ["--pack", str(packs / "ccp.pt")]
    train_detector.main([*pack_args, "--out", str(tmp_path / "a" / "d.pt"), *DETECTOR_RUN])
    train_detector.main([*pack_args, "--out", str(tmp_path / "b" / "d.pt"), *DETECTOR_RUN, "--stop-at", "1"])
    resumed = train_detector.main(
        [
            *pack_args,
            "--out",
            str(tmp_path / "b" / "d.pt"),
            *DETECTOR_RUN,
            "--resume",
            str(tmp_path / "b" / "d.train.pt"),
        ]
    )
    assert (resumed.step, resumed.epoch) == (4, 2)
    _same_weights(tmp_path / "a" / "d.train.pt", tmp_path / "b" / "d.train.pt")
    _same_weights(tmp_path / "a" / "d.pt", tmp_path / "b" / "d.pt")


def test_resume_refuses_another_run(packs, tmp_path, one_thread):
    pack_args = ["--pack", str(packs / "classifier.pt"), "--out", str(tmp_path / "c.pt")]
    train_classifier.main([*pack_args, *CLASSIFIER_RUN, "--stop-at", "5"])  # after epoch 1: c.pt written
    ckpt = str(tmp_path / "c.train.pt")
    with pytest.raises(ValueError, match="--lr"):
        train_classifier.main([*pack_args, *CLASSIFIER_RUN, "--resume", ckpt, "--lr", "0.1"])
    with pytest.raises(ValueError, match="--init"):
        train_classifier.main([*pack_args, *CLASSIFIER_RUN, "--resume", ckpt, "--init", ckpt])
    with pytest.raises(ValueError, match="not a training checkpoint"):
        train_classifier.main([*pack_args, *CLASSIFIER_RUN, "--resume", str(tmp_path / "c.pt")])
    other = torch.load(packs / "classifier.pt")
    other["index_sha256"] = "0" * 64
    torch.save(other, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="trained on data"):
        train_classifier.main(
            ["--pack", str(tmp_path / "other.pt"), "--out", str(tmp_path / "c.pt"), *CLASSIFIER_RUN, "--resume", ckpt]
        )


def test_init_starts_a_new_run_from_the_weights(packs, tmp_path, one_thread):
    """--init takes the model only: a new run (step 0, fresh optimizer) whose weights, at learning
    rate 0, stay those of the checkpoint; weights of another label space are refused."""
    pack_args = ["--pack", str(packs / "classifier.pt")]
    train_classifier.main([*pack_args, "--out", str(tmp_path / "a" / "c.pt"), *CLASSIFIER_RUN])
    source = tmp_path / "a" / "c.train.pt"
    state = train_classifier.main(
        [
            *pack_args,
            "--out",
            str(tmp_path / "b" / "c.pt"),
            *CLASSIFIER_RUN,
            "--max-steps",
            "2",
            "--lr",
            "0",
            "--init",
            str(source),
        ]
    )
    assert state.step == 2
    new = load_checkpoint(tmp_path / "b" / "c.train.pt")
    assert new["training"]["state"]["step"] == 2
    old_params = dict(load_checkpoint(source)["state_dict"])
    model = load_checkpoint(tmp_path / "b" / "c.train.pt")["state_dict"]
    trained = [k for k in old_params if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    assert all(torch.equal(model[k], old_params[k]) for k in trained)
    with pytest.raises(ValueError, match="labels"):
        train_classifier.main(
            [
                *pack_args,
                "--out",
                str(tmp_path / "c" / "c.pt"),
                *CLASSIFIER_RUN,
                "--init",
                str(ROOT / "vision" / "weights" / "classifier.pt"),
            ]
        )

"""Which round of a stain training run ``--out`` keeps: ``vision.train_stains.kept_by`` and
``--max-clean-alarm``, through :func:`vision.rounds.train_in_rounds`, across ``--stop-at`` and ``--resume``."""

from __future__ import annotations

import json

import pytest

from tests.vision.conftest import DATASETS
from vision.checkpoints import load_checkpoint


def test_a_round_over_the_clean_bound_is_kept_only_while_none_is_within_it():
    """``kept_by``: within ``--max-clean-alarm`` any IoU beats one above it; without a bound, the IoU
    alone (the figures are those of the replicate's phase 1 in the stain model card)."""
    from vision.train_stains import kept_by

    step_750 = {"calib_iou": 0.7422, "calib_false_alarm": 0.125}
    step_2000 = {"calib_iou": 0.7361, "calib_false_alarm": 0.0625}
    assert kept_by(step_750, None) > kept_by(step_2000, None)
    assert kept_by(step_2000, 0.0625) > kept_by(step_750, 0.0625)
    assert kept_by(step_750, 0.0625) == pytest.approx(0.7422 - 1)
    assert kept_by(step_750, 0.125) == 0.7422  # at the bound is within it
    worse_over = {"calib_iou": 0.70, "calib_false_alarm": 0.5}
    assert kept_by(step_750, 0.0625) > kept_by(worse_over, 0.0625)  # above it, the IoU still decides


@pytest.mark.parametrize(
    "figures, bound, kept_step",
    [
        # the higher IoU at step 2 fires on half the clean samples: with the bound, step 4 is kept
        ({2: (0.9, 0.5), 4: (0.6, 0.0)}, "0.25", 4),
        ({2: (0.9, 0.5), 4: (0.6, 0.0)}, None, 2),
        # both within it: the higher IoU, kept across --stop-at and --resume (the resumed run knows it)
        ({2: (0.9, 0.0), 4: (0.6, 0.0)}, "0.25", 2),
    ],
)
def test_the_kept_round_follows_the_clean_bound_across_a_resume(
    tmp_path, monkeypatch, capsys, figures, bound, kept_step
):
    """Real training steps on real photos; the rounds' calib figures are scripted, since what is
    tested is which round ``--out`` keeps (:func:`vision.rounds.train_in_rounds` with ``kept_by``)."""
    from vision import train_stains

    def scripted(model, batches, device):
        iou, clean = figures[step[0]]
        return {"calib_iou": iou, "calib_false_alarm": clean}

    step = [2]
    monkeypatch.setattr(train_stains, "calib_figures", scripted)
    out = tmp_path / "stain.pt"
    args = ["--data", str(DATASETS / "clothing-dataset"), "--pack", str(tmp_path / "pack.pt"), "--out", str(out)]
    args += ["--train-on-all", "--threads", "1", "--max-steps", "4", "--warmup", "2", "--batch-size", "2"]
    args += ["--size", "64", "--eval-every", "2", "--eval-samples", "2", "--encoder", "classifier"]
    args += ["--max-clean-alarm", bound] if bound else []
    train_stains.main([*args, "--stop-at", "2"])
    step[0] = 4
    capsys.readouterr()
    state = train_stains.main([*args, "--resume", str(tmp_path / "stain.train.pt")])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])  # a rank is not an IoU: named apart
    assert last == {"best_kept_by" if bound else "best_calib_iou": state.best, "step": 4}
    assert state.step == 4
    assert load_checkpoint(out)["meta"]["step"] == kept_step
    iou, clean = figures[kept_step]
    assert state.best == train_stains.kept_by({"calib_iou": iou, "calib_false_alarm": clean}, bound and float(bound))

"""bench/cutout_strokes.py replays the bulk-entry person's cutout fixes on the fixture photos (the
serving pipeline, their references and CCP labels): both ways of fixing see the same broken cutouts,
a fix never ends worse than the model's cutout, and the box-first person drags one box per fix.
Speed and the figures themselves come from running the script on the shared data, not from here."""

from __future__ import annotations

import pytest

from bench import cutout_strokes
from tests.vision.conftest import DATASETS, FIXTURES


@pytest.mark.vision
def test_both_ways_of_fixing_replay_the_same_fixes(tmp_path):
    args = ["--datasets", str(DATASETS), "--references", str(FIXTURES / "references"), "--split", "val"]
    strokes, box_first = cutout_strokes.main([*args, "--streets", "2", "--cache", str(tmp_path / "c.pkl")])
    assert (tmp_path / "c.pkl").exists()
    assert strokes["policy"] == "strokes" and box_first["policy"] == "box-first"
    assert strokes["fixes"] == box_first["fixes"] >= 1  # the fixture street photos have a broken cutout
    assert strokes["mean_iou_before"] == box_first["mean_iou_before"]
    for res in (strokes, box_first):
        assert res["mean_iou_after"] >= res["mean_iou_before"]
        assert res["fix_seconds"] > 0 and res["fixed"] <= res["fixes"]
    assert strokes["boxes"] == 0 and box_first["boxes"] == box_first["fixes"]

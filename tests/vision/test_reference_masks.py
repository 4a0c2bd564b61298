"""``vision.reference_masks pick`` adds photos to a spec and never wipes the masks drawn in it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.vision.conftest import DATASETS

REPO = Path(__file__).resolve().parents[2]


def _pick(spec: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "vision.reference_masks", "pick", "--datasets", str(DATASETS), "--spec", str(spec)]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_picking_again_keeps_the_drawn_entries(tmp_path):
    spec = tmp_path / "spec.json"
    first = _pick(spec)
    assert first.returncode == 0, first.stderr
    entries = json.loads(spec.read_text())
    assert entries and not any(e["checked"] for e in entries)
    entries[0].update(checked=True, note="drawn by hand", keep=[{"points": [[1, 2], [3, 4]], "width": 5}])
    entries = entries[:-1]  # a photo the pick will find again, as when PICK is raised
    spec.write_text(json.dumps(entries))
    second = _pick(spec)
    assert second.returncode == 0, second.stderr
    assert "(1 new)" in second.stdout
    again = json.loads(spec.read_text())
    assert again[: len(entries)] == entries
    assert len(again) == len(entries) + 1 and not again[-1]["checked"]

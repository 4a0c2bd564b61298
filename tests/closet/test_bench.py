"""bench/pipeline.py runs end to end (upload, processing, rows written) on real photos.

Only that it runs and reports sane figures is checked here: speed is measured by running the
script, not by a timed test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"


@pytest.mark.vision
def test_pipeline_benchmark_writes_rows_and_prints_figures():
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.pipeline",
            "--photos",
            str(DATASETS / "ccp" / "photos"),
            "--photos",
            str(DATASETS / "clothing-dataset" / "images"),
            "--n",
            "3",
            "--threads",
            "1",
            "--device",
            "cpu",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["photos"] == 3 and res["device"] == "cpu" and res["database"] == "sqlite"
    for stage in ("total_seconds", "upload_seconds", "process_seconds"):
        assert 0 < res[stage]["median"] <= res[stage]["p95"]
    assert res["total_seconds"]["median"] >= res["process_seconds"]["median"]
    assert res["garments_per_photo"] >= 1
    assert res["peak_rss_mib"] > 100

"""``bench/closet.py`` (issue 18 point 10) runs end to end on PostgreSQL and Redis: a tiny closet,
gunicorn warmed up, every row measured and printed. Only that it runs and reports sane figures is
checked here; speed is measured by running the script, not by a timed test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_closet_benchmark_measures_every_row():
    cmd = [sys.executable, "-m", "bench.closet", "--sizes", "30", "--others", "40", "--requests", "3"]
    cmd += ["--workers", "1", "--db-name", "wardrobe_bench_closet_smoke", "--cache-url", "redis://127.0.0.1:6379/15"]
    run = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = re.findall(r"^\s+30\s+(.+?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$", run.stdout, re.M)
    names = [name for name, *_ in rows]
    assert names == [
        "closet", "closet tops most-worn", "closet state=all", "closet colour=navy", "api garments",
        "review queue", "closet, just changed", "api, just changed",
    ], run.stdout  # fmt: skip
    for _name, p50, p95, cpu, kib in rows:
        assert 0 < float(p50) <= float(p95) and float(cpu) >= 0 and int(kib) > 0, run.stdout
    assert "a Python loop of 10^7 additions took" in run.stdout

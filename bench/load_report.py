"""Reading the load run's results (``bench.load``): locust's statistics into percentiles and a
table, and the errors the servers and locust logged."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path


def percentile(histogram: dict[float, int], q: float) -> float:
    """The ``q`` quantile (0..1) of ``{response_time_ms: count}`` (locust's rounded buckets)."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    need, seen = math.ceil(q * total), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= need:
            return float(value)
    return float(max(histogram))


def summarise(stats: list[dict], duration: float) -> tuple[list[dict], dict, dict | None]:
    """Rows per endpoint (``name``, ``requests``, ``rps``, ``p50``, ``p95``, ``failures``), the HTTP
    total row and the ``PHOTO upload to done`` row (or None) from locust's ``--json-file`` entries."""

    def row(name: str, entries: list[dict]) -> dict:
        hist: dict[float, int] = defaultdict(int)
        for e in entries:
            for rt, count in e["response_times"].items():
                hist[float(rt)] += count
        n = sum(e["num_requests"] for e in entries)
        return {
            "name": name,
            "requests": n,
            "rps": n / duration if duration else 0.0,
            "p50": percentile(hist, 0.50),
            "p95": percentile(hist, 0.95),
            "failures": sum(e["num_failures"] for e in entries),
        }

    http = [e for e in stats if e["method"] != "PHOTO"]
    rows = sorted((row(f"{e['method']} {e['name']}", [e]) for e in http), key=lambda r: r["name"])
    photo = [e for e in stats if e["method"] == "PHOTO"]
    return rows, row("HTTP total", http), (row("PHOTO upload to done", photo) if photo else None)


def format_table(rows: list[dict], total: dict, photo: dict | None) -> str:
    width = max([len(r["name"]) for r in rows + [total]] + [20])
    head = f"{'endpoint':<{width}}  {'requests':>8}  {'req/s':>7}  {'p50 ms':>7}  {'p95 ms':>7}  {'failures':>8}"
    line = "-" * len(head)

    def fmt(r: dict) -> str:
        return (
            f"{r['name']:<{width}}  {r['requests']:>8}  {r['rps']:>7.2f}  {r['p50']:>7.0f}  "
            f"{r['p95']:>7.0f}  {r['failures']:>8}"
        )

    out = [head, line, *map(fmt, rows), line, fmt(total)]
    if photo:
        out.append(fmt(photo))
    return "\n".join(out)


_EXCEPTION_RE = re.compile(r"^(?:[A-Za-z_][\w.]*(?:Error|Exception|Timeout)\w*(?::.*)?|.*\[(?:CRITICAL|ERROR)\].*)$")


def server_errors(path: Path) -> list[str]:
    """``count x line`` for each distinct exception (a traceback's last line) or gunicorn error the
    web server logged, most frequent first."""
    if not path.exists():
        return []
    counts: dict[str, int] = defaultdict(int)
    for line in path.read_text(errors="replace").splitlines():
        if _EXCEPTION_RE.match(line):
            counts[re.sub(r"^\[[^]]*\] \[\d+\] ", "", line)[:200]] += 1
    return [f"{n} x {msg}" for msg, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def read_accepted(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [int(x) for x in path.read_text().split()]


def read_exceptions(prefix: Path) -> int:
    """Exceptions raised inside the simulated users (locust's ``*_exceptions.csv``)."""
    import csv

    path = Path(f"{prefix}_exceptions.csv")
    if not path.exists():
        return 0
    with open(path, newline="") as f:
        return sum(int(r["Count"]) for r in csv.DictReader(f))


def read_failures(prefix: Path) -> list[str]:
    import csv

    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return [f"{r['Occurrences']} x {r['Method']} {r['Name']}: {r['Error']}" for r in csv.DictReader(f)]


# --- main -----------------------------------------------------------------------------------------

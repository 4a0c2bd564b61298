"""Benchmark of care-label reading (issue 16, item 5) on the synthetic set of ``bench.care_label_set``.

``python -m bench.care_labels`` reads every held-out label (``REPORT_SEEDS``; ``--dev`` for the seeds
used while developing) with ``vision.read_label.read_label`` on ``--threads`` (default 2) Tesseract
threads and prints:

* ``n``: labels read;
* composition exact match: the share of labels whose shell composition (the set of canonical fibre
  and percentage pairs) equals the truth exactly (goal >= 0.90); lining, size and country accuracy
  alongside;
* character error rate (CER): the Levenshtein edit distance (insertions, deletions, substitutions,
  each 1) between the OCR text and the printed text, summed over the set and divided by the summed
  length of the printed text (goal <= 0.05). Both texts are NFKC-normalised with whitespace runs
  collapsed to one space and lines joined by a newline (``vision.label_parse.normalise``). This is
  the usual OCR definition (e.g. the ICDAR 2019 robust-reading competitions' "1 - NED" and the
  ``cer`` of the jiwer package), computed over the whole text rather than averaged per line;
* seconds per label (preprocess + text-line detection + OCR + parse, wall clock): median and 95th
  percentile (goal: median <= 3 s on 2 CPU cores), and the CPU seconds (user + system, this process
  and Tesseract's) per label, which do not depend on what else runs on the machine: on 2 idle cores
  the wall time is at most that. The 1-minute load average is printed alongside; a label that hits
  Tesseract's time limit (``timeouts``) counts as read wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time

from bench.care_label_set import DEV_SEEDS, REPORT_SEEDS, sample
from vision.label_parse import normalise


def levenshtein(a: str, b: str) -> int:
    """Edit distance between ``a`` and ``b`` (insert, delete, substitute: 1 each); O(len(a) x len(b))."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _cpu() -> float:
    """CPU seconds (user + system) used so far by this process and its finished children (Tesseract)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _pairs(items: list[dict]) -> list[tuple[str, float]]:
    return sorted((c["fibre"], float(c["percent"]) if c["percent"] is not None else -1.0) for c in items)


def run(seeds, threads: int = 2) -> dict:
    """Read the labels of ``seeds`` and return the figures (see the module docstring)."""
    from vision.label_parse import LabelFields
    from vision.read_label import OCRTimeout, read_label

    os.environ["OMP_THREAD_LIMIT"] = str(threads)
    seconds, cpu_seconds, errors, chars, timeouts = [], [], 0, 0, 0
    hits = {"composition": 0, "lining": 0, "size": 0, "country": 0}
    by_language: dict[str, list[int]] = {}
    misses = []
    for seed in seeds:
        s = sample(seed)
        cpu_start = _cpu()
        start = time.perf_counter()
        try:
            got = read_label(s.image, threads=threads)
        except OCRTimeout:
            got, timeouts = LabelFields(), timeouts + 1
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(_cpu() - cpu_start)
        reference = normalise(s.text)
        errors += levenshtein(got.text, reference)
        chars += len(reference)
        ok = _pairs(got.composition) == _pairs(s.composition)
        hits["composition"] += ok
        hits["lining"] += _pairs(got.lining) == _pairs(s.lining)
        hits["size"] += got.size == s.size
        hits["country"] += got.country == s.country
        by_language.setdefault(s.language, []).append(ok)
        if not ok:
            misses.append(seed)
    n = len(seconds)
    seconds.sort()
    return {
        "n": n,
        "threads": threads,
        "composition_exact_match": round(hits["composition"] / n, 3),
        "composition_exact_match_by_language": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_language.items())},
        "lining_exact_match": round(hits["lining"] / n, 3),
        "size_accuracy": round(hits["size"] / n, 3),
        "country_accuracy": round(hits["country"] / n, 3),
        "character_error_rate": round(errors / max(chars, 1), 4),
        "median_s": round(statistics.median(seconds), 3),
        "p95_s": round(seconds[min(n - 1, int(0.95 * n))], 3),
        "median_cpu_s": round(statistics.median(cpu_seconds), 3),
        "p95_cpu_s": round(sorted(cpu_seconds)[min(n - 1, int(0.95 * n))], 3),
        "timeouts": timeouts,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "composition_misses": misses,
    }


def main(argv: list[str] | None = None) -> None:
    """Print the figures as JSON and against the goals."""
    parser = argparse.ArgumentParser(prog="python -m bench.care_labels", description=__doc__.split("\n")[0])
    parser.add_argument("--dev", action="store_true", help="the development seeds instead of the held-out ones")
    parser.add_argument("--threads", type=int, default=2, help="Tesseract threads (OMP_THREAD_LIMIT)")
    parser.add_argument("--limit", type=int, default=0, help="read only the first N labels")
    args = parser.parse_args(argv)
    seeds = list(DEV_SEEDS if args.dev else REPORT_SEEDS)
    if args.limit:
        seeds = seeds[: args.limit]
    figures = run(seeds, threads=args.threads)
    figures["seeds"] = "dev" if args.dev else "report (held out)"
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    goals = (
        ("composition exact match >= 0.90", figures["composition_exact_match"] >= 0.90),
        ("character error rate <= 0.05", figures["character_error_rate"] <= 0.05),
        (f"median <= 3 s on {args.threads} threads", figures["median_s"] <= 3.0),
    )
    for goal, met in goals:
        print(f"{'met   ' if met else 'MISSED'} {goal}")


if __name__ == "__main__":
    main()

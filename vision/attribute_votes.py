"""Several independent labellings of the same attribute pictures: agreement and the majority vote.

The validation pictures were labelled once, before the protocol's decided cases were written down;
they are labelled again by two more labellers, each alone (``python -m vision.attribute_sheets
--relabel``), and each cell of the reference becomes the value at least two of the three labellings
give (the rule in ``vision/references/attributes_protocol.md``, "Validation labelled three times").

    python -m vision.attribute_votes sheets --index SHEETS/index.csv --labels NUMBERS.csv --out STEMS.csv
    python -m vision.attribute_votes agreement FIRST.csv SECOND.csv [THIRD.csv ...]
    python -m vision.attribute_votes vote --labels vision/references/attributes.csv --out OUT.csv \\
        FIRST.csv SECOND.csv THIRD.csv

``sheets`` maps a labeller's rows by sheet number (``number`` + the attribute columns) back to image
stems; ``agreement`` prints, per pair of labellings and attribute, over the pictures both labelled
(value given by both): ``n`` and the share where they agree, plus ``one_empty`` (cells one gave and
the other left empty); ``vote`` writes ``--labels`` with the rows of the voted pictures replaced by
the vote.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

from vision.attribute_data import read_labels, write_labels
from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTE_NAMES


def from_sheets(index: str | Path, labels: str | Path) -> dict[str, dict[str, str]]:
    """``{image stem: {attribute: value}}`` from a sheets ``index`` CSV (``sheet``, ``number``,
    ``image``) and a labeller's CSV keyed by ``number``.

    Raises:
        ValueError: a number missing from the labeller's file or unknown to the index, or a value
            that is not one of the attribute's.
    """
    with open(index, newline="") as f:
        stems = {int(r["number"]): r["image"] for r in csv.DictReader(f)}
    out: dict[str, dict[str, str]] = {}
    with open(labels, newline="") as f:
        for line, rec in enumerate(csv.DictReader(f), start=2):
            number = int(rec["number"])
            if number not in stems:
                raise ValueError(f"{labels}:{line}: number {number} is not on the sheets")
            row = {}
            for name in ATTRIBUTE_NAMES:
                value = (rec.get(name) or "").strip()
                if value and value not in ATTRIBUTE_BY_NAME[name].slugs:
                    raise ValueError(f"{labels}:{line}: {name}={value!r} is not one of {ATTRIBUTE_BY_NAME[name].slugs}")
                if value:
                    row[name] = value
            out[stems[number]] = row
    missing = sorted(set(stems.values()) - set(out))
    if missing:
        raise ValueError(f"{labels}: {len(missing)} picture(s) of the sheets not labelled, e.g. {missing[0]}")
    return out


def vote_cell(values: list[str | None]) -> str | None:
    """The value given by at least two of ``values`` (None: an empty cell), else None (no majority,
    the cell stays empty and out of training and evaluation)."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    value, n = counts.most_common(1)[0]
    return value if n >= 2 else None


def vote(labellings: list[dict[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    """Cell by cell majority (:func:`vote_cell`) over the pictures of the first labelling; a picture
    missing from another labelling counts as empty cells there."""
    out = {}
    for stem in labellings[0]:
        row = {}
        for name in ATTRIBUTE_NAMES:
            value = vote_cell([lab.get(stem, {}).get(name) for lab in labellings])
            if value:
                row[name] = value
        out[stem] = row
    return out


def agreement(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> dict[str, dict]:
    """Per attribute, over the pictures in both: ``n`` (both gave a value), ``agree`` (share of those
    with the same value) and ``one_empty`` (cells one gave and the other left empty)."""
    out = {}
    for name in ATTRIBUTE_NAMES:
        both, same, one = 0, 0, 0
        for stem in set(a) & set(b):
            x, y = a[stem].get(name), b[stem].get(name)
            if x and y:
                both += 1
                same += x == y
            elif x or y:
                one += 1
        out[name] = {"n": both, "agree": round(same / both, 3) if both else None, "one_empty": one}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sheets", help="a labeller's rows by number -> rows by image stem")
    s.add_argument("--index", required=True)
    s.add_argument("--labels", required=True)
    s.add_argument("--out", required=True)
    g = sub.add_parser("agreement", help="agreement of every pair of labellings")
    g.add_argument("files", nargs="+")
    v = sub.add_parser("vote", help="replace the voted pictures' rows of --labels by the majority")
    v.add_argument("--labels", default="vision/references/attributes.csv")
    v.add_argument("--out", required=True)
    v.add_argument("files", nargs=3)
    args = ap.parse_args(argv)
    if args.cmd == "sheets":
        write_labels(from_sheets(args.index, args.labels), args.out)
        return 0
    if args.cmd == "agreement":
        labs = {f: read_labels(f) for f in args.files}
        for x, y in itertools.combinations(args.files, 2):
            print(json.dumps({"a": Path(x).name, "b": Path(y).name, **agreement(labs[x], labs[y])}))
        return 0
    labellings = [read_labels(f) for f in args.files]
    voted = vote(labellings)
    labels = read_labels(args.labels)
    labels.update(voted)
    write_labels(labels, args.out)
    first = labellings[0]
    changed = sum(1 for stem in voted for n in ATTRIBUTE_NAMES if voted[stem].get(n) != first[stem].get(n))
    print(json.dumps({"pictures": len(voted), "cells_changed_from_first": changed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

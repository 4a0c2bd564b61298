"""``python -m vision.evaluate attributes``: the attribute stage against hand labels.

    python -m vision.evaluate attributes --data DIR [--labels CSV] [--split val] [--ccp-crops DIR]

``DIR`` is in the clothing-dataset format (``images.csv`` + ``images/``) with the labels in
``DIR/attributes.csv`` (the format of ``vision/references/attributes.csv``) unless ``--labels``
names another file, so the shared dataset and the committed CSV work together. ``--ccp-crops``
adds the labelled CCP garment crops of that folder. Each labelled picture is seen as the serving
stage sees a garment (:func:`vision.attribute_data.garment_picture`: the segmenter's garment box of a
photo, a CCP crop whole) and answered by :class:`vision.stages.attributes.AttributeStage`.

Prints ``n`` (pictures evaluated), ``seconds_per_garment`` (the attribute model's mean wall time
per picture, one at a time; the segmenter's box is not counted) and, per attribute, over the
pictures where it is labelled: ``n``, ``accuracy``, ``macro_f1`` (the mean of the per-value F1 over
the values present in the labels or the answers), ``counts`` (labels per value) and ``confusion``
(label -> answer -> count), plus ``ece`` (15 bins) of the answer's score.

``--served`` (:func:`evaluate_served`) measures the product instead: each labelled clothing-dataset
photo goes through the whole serving pipeline as an upload would (its cut-out box, the category the
classifier decided), and the largest garment's attributes are scored; an attribute the pipeline did
not ask (another category decided) is not scored, and ``labelled`` gives how many were labelled.
CCP crops are left out (they are not uploads).

``python -m vision.attribute_eval combine FILE {replace,mean}`` records in a view model's file
(``attributes_top.pt``, ...) how the stage joins its answers to the main model's
(:mod:`vision.stages.attributes`), once chosen on the calibration split with ``vision.evaluate
attributes --combine``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import torch

from vision import attribute_data
from vision.metrics import expected_calibration_error
from vocabulary.attributes import ATTRIBUTES


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Mean F1 over the values present among (label, answer) ``pairs``; 0 when empty."""
    values = {v for pair in pairs for v in pair}
    if not values:
        return 0.0
    f1s = []
    for v in values:
        tp = sum(1 for t, p in pairs if t == v and p == v)
        fp = sum(1 for t, p in pairs if t != v and p == v)
        fn = sum(1 for t, p in pairs if t == v and p != v)
        f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
    return sum(f1s) / len(f1s)


def score_attributes(rows: list[tuple[dict[str, str], dict]]) -> dict:
    """Figures of (labels ``{attribute: value}``, answers ``{attribute: AttributeValue}``) pairs, per
    attribute of the vocabulary, over the rows where it is labelled (see the module docstring)."""
    out: dict = {"n": len(rows)}
    for a in ATTRIBUTES:
        pairs, scores = [], []
        for truth, answer in rows:
            if a.name in truth and a.name in answer:
                pairs.append((truth[a.name], answer[a.name].value))
                scores.append(answer[a.name].score)
        confusion = {
            t: dict(Counter(p for tt, p in pairs if tt == t)) for t in a.slugs if any(tt == t for tt, _ in pairs)
        }
        correct = [t == p for t, p in pairs]
        out[a.name] = {
            "n": len(pairs),
            "accuracy": round(sum(correct) / len(pairs), 4) if pairs else None,
            "macro_f1": round(macro_f1(pairs), 4) if pairs else None,
            "counts": {v: c for v in a.slugs if (c := sum(1 for t, _ in pairs if t == v))},
            "confusion": confusion,
            "ece": round(expected_calibration_error(torch.tensor(scores), torch.tensor(correct)), 4) if pairs else None,
        }
    return out


def evaluate_attributes(
    stage,
    data: Path,
    labels: Path | None = None,
    split: str = "all",
    ccp_crops: Path | None = None,
    weights_dir: Path | None = None,
    limit: int = 0,
) -> dict:
    """Score ``stage`` (an :class:`vision.stages.attributes.AttributeStage`) on the labelled pictures
    of ``data`` (and ``ccp_crops``) of ``split`` (``all``, ``val``, ``calib`` or ``train``).

    Raises FileNotFoundError when the labels file or ``images.csv`` is missing, ValueError for a bad
    labels file, RuntimeError when the stage has no model."""
    from vision.checkpoints import WEIGHTS_DIR

    if stage.model is None:
        raise RuntimeError("the attributes stage has no model (attributes.pt missing)")
    table = attribute_data.read_labels(labels or Path(data) / "attributes.csv")
    items = attribute_data.examples(table, data, ccp_crops)
    if split != "all":
        items = [ex for ex in items if ex.split == split]
    if limit:
        items = items[:limit]
    segmenter = attribute_data.load_segmenter(weights_dir or WEIGHTS_DIR)
    rows, seconds = [], []
    for ex in items:
        picture = attribute_data.garment_picture(ex, segmenter, getattr(stage.model, "background", "photo"))
        start = time.perf_counter()
        answer = stage.predict([picture])[0]
        seconds.append(time.perf_counter() - start)
        rows.append((table[ex.stem], answer))
    result = score_attributes(rows)
    result["split"] = split
    result["seconds_per_garment"] = round(sum(seconds) / len(seconds), 4) if seconds else None
    return result


def evaluate_served(pipeline, data: Path, labels: Path | None = None, split: str = "all", limit: int = 0) -> dict:
    """Score the attributes of the largest garment the serving ``pipeline`` (:class:`vision.inference.Pipeline`)
    finds in each labelled clothing-dataset photo of ``data`` of ``split`` (see the module docstring).

    Returns :func:`score_attributes`'s figures plus ``labelled`` (``{attribute: labelled photos}``),
    ``split`` and ``seconds_per_photo`` (mean pipeline wall time). Raises what :func:`evaluate_attributes`
    raises for a bad labels file or folder."""
    from PIL import Image, ImageOps

    table = attribute_data.read_labels(labels or Path(data) / "attributes.csv")
    items = [ex for ex in attribute_data.examples(table, data, None) if ex.whole and split in ("all", ex.split)]
    if limit:
        items = items[:limit]
    rows, seconds, labelled = [], [], Counter()
    for ex in items:
        with Image.open(ex.path) as img:
            image = ImageOps.exif_transpose(img).convert("RGB")
        start = time.perf_counter()
        analysis = pipeline(image)
        seconds.append(time.perf_counter() - start)
        garment = max(analysis.instances, key=lambda g: g.area) if analysis.instances else None
        labelled.update(table[ex.stem].keys())
        rows.append((table[ex.stem], garment.attributes if garment is not None else {}))
    result = score_attributes(rows)
    result["labelled"] = {a.name: labelled[a.name] for a in ATTRIBUTES}
    result["split"] = split
    result["seconds_per_photo"] = round(sum(seconds) / len(seconds), 4) if seconds else None
    return result


def set_combine(path: Path, combine: str) -> dict:
    """Write ``combine`` (``"replace"`` or ``"mean"``) into the view model file ``path``'s
    ``meta["combine"]`` and return the meta. Raises ValueError for another value or a file that is
    not an attribute model of a region other than the whole picture."""
    from vision.checkpoints import load_checkpoint, write_checkpoint
    from vision.lite0_models import ATTRIBUTE_ARCH
    from vision.stages.attributes import COMBINE

    if combine not in COMBINE:
        raise ValueError(f"combine must be one of {COMBINE}, not {combine!r}")
    ckpt = load_checkpoint(path)
    if ckpt["arch"] != ATTRIBUTE_ARCH or ckpt["config"].get("region", "whole") == "whole":
        raise ValueError(f"{path} is not a view model (an attribute model of a region of the picture)")
    ckpt["meta"]["combine"] = combine
    write_checkpoint(path, ckpt)
    return ckpt["meta"]


def set_mirror(path: Path, mirror: bool) -> dict:
    """Write ``mirror`` (flip test-time augmentation, :meth:`vision.stages.attributes.AttributeStage.infer`)
    into the attribute model file ``path``'s ``meta["mirror"]`` and return the meta. Raises
    ValueError for a file that is not an attribute model."""
    from vision.checkpoints import load_checkpoint, write_checkpoint
    from vision.lite0_models import ATTRIBUTE_ARCH

    ckpt = load_checkpoint(path)
    if ckpt["arch"] != ATTRIBUTE_ARCH:
        raise ValueError(f"{path} is not an attribute model")
    ckpt["meta"]["mirror"] = bool(mirror)
    write_checkpoint(path, ckpt)
    return ckpt["meta"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Record how an attribute model's answers are made and joined")
    ap.add_argument("what", choices=["combine", "mirror"])
    ap.add_argument("file", type=Path)
    ap.add_argument("value", choices=["replace", "mean", "on", "off"])
    args = ap.parse_args(argv)
    if args.what == "combine":
        if args.value not in ("replace", "mean"):
            ap.error("combine takes replace or mean")
        set_combine(args.file, args.value)
        print(f"{args.file}: combine = {args.value}")
    else:
        if args.value not in ("on", "off"):
            ap.error("mirror takes on or off")
        set_mirror(args.file, args.value == "on")
        print(f"{args.file}: mirror = {args.value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

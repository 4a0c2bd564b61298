"""Evaluate the committed models on any folder in a shared dataset format.

    python -m vision.evaluate classifier --data DIR --json OUT [--split all|val]
    python -m vision.evaluate detector --data DIR --json OUT [--split all|val]
    python -m vision.evaluate cutout --data CLOTHING_DIR --split val [--pred DIR]
    python -m vision.evaluate retrieval --data CLOTHING_DIR --split val [--backgrounds DIR] [--cache FILE]
    python -m vision.evaluate stains --data CLOTHING_DIR --split val [--n N] [--seed 0]
    python -m vision.evaluate attributes --data CLOTHING_DIR [--labels CSV] [--split val] [--ccp-crops DIR]

``classifier`` (clothing-dataset format: images.csv + images/): over photos labelled with one of
the 10 classes T-Shirt, Longsleeve, Pants, Shoes, Shirt, Dress, Outwear, Shorts, Hat, Skirt:
``top1`` is the full pipeline's answer for the photo's main garment (the instance with the largest
mask), ``classifier_top1`` the classifier alone on the whole photo; both at type level, a type
counting as the class vision.taxonomy.TYPE_TO_EVAL_LABEL gives it. Also ``per_class`` (top-1 of
the pipeline per class, with counts), ``confusion`` (true class -> predicted class -> count;
"other" when the answer maps to none of the 10), and the honesty of the main garment's ``score``:
``ece`` (expected calibration error, 15 bins, of that score against the answer being right; Guo et
al. 2017, vision.metrics) and ``confident_error_rate`` (share of photos whose main garment is wrong
while its score is at or above the default review threshold, 0.75: wrong names filed without
review); ``single_item_rate``, the share of photos the pipeline took for one item laid flat.

``detector`` (CCP format: photos/ + annotations/pixel-level/): COCO ``mask_ap``, ``mask_ap50``,
``box_ap``, ``box_ap50`` over the taxonomy categories present in the ground truth, instances by
the rule of vision.datasets; semantic ``miou`` and ``pixel_accuracy`` (skin, hair, null and labels
outside the taxonomy are background); ``recall50`` (share of ground-truth instances matched by a
kept detection of the same category at mask IoU >= 0.5), ``per_category``; ``background_bleed``: the
share of the kept garments' pixels (their union) that the labels call background (``null``; skin
and hair are the person, not background), measured on the masks the app stores (cut to the person
by the ``segment`` stage when the pipeline has it; every other key is measured on them too), and
``background_bleed_detector`` on Mask R-CNN's masks alone; and, when the pipeline
has a ``scene`` stage, ``scene_single_item_rate``: the share of these photos of worn garments that
it took for single items (their garments would be missed). Metrics are defined in vision.metrics.

``cutout``: the main garment's mask of single-item photos against this project's hand-checked
references (``vision/references/single_item``, see :func:`evaluate_cutout`): ``mean_iou``,
``usable_rate`` (IoU >= 0.8), ``broken_rate`` (IoU < 0.5), ``quality_spearman`` (how well the
``mask_quality`` estimate ranks the masks) and the ``segment`` stage's median and p95 seconds.

``retrieval``: the ``embed`` stage's embeddings: same-garment retrieval in a closet of 500, duplicate
warnings, same-photo hashes, corrections replayed, the stage's time (:mod:`vision.retrieval`).

``attributes``: the ``attributes`` stage against hand labels (``DIR/attributes.csv`` or ``--labels``):
per attribute ``accuracy``, ``macro_f1``, counts and the confusion matrix (:mod:`vision.attribute_eval`);
with ``--served``, through the whole serving pipeline instead of the stage alone.

``stains``: the ``stain`` stage: IoU on synthetic stains laid on the split's photos with a fixed seed,
and the false-alarm rate on the same photos as they are (:mod:`vision.stain_eval`).

``--split val`` keeps only this project's validation split of the shared data (held-out contributors
/ photos, see vision.datasets), ``--split calib`` its calibration split (for choosing settings);
the default ``all`` uses every photo of the folder.
Also prints ``seconds_per_photo`` (mean wall time of the pipeline, decode excluded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import datasets, taxonomy
from vision.inference import Pipeline, load_pipeline
from vision.metrics import DetectionAccumulator, expected_calibration_error
from vision.stages.detect import resize_mask

#: The review threshold a new account starts with (the REVIEW_THRESHOLD setting's default).
DEFAULT_REVIEW_THRESHOLD = 0.75


def evaluate_classifier(pipeline: Pipeline, data: Path, split: str = "all", limit: int = 0) -> dict:
    """Type-level top-1 of the pipeline and of the classifier alone; see module docstring.

    ``pipeline`` needs the ``detect`` and ``classify`` stages. Raises FileNotFoundError when
    ``data`` has no ``images.csv``.
    """
    rows = [r for r in datasets.read_clothing(data) if r.label in taxonomy.EVAL_LABELS]
    if split != "all":
        rows = [r for r in rows if datasets.clothing_split(r.sender_id) == split]
    if limit:
        rows = rows[:limit]
    classify = pipeline.stage("classify")
    slugs = classify.type_slugs
    confusion: dict[str, Counter] = defaultdict(Counter)
    cls_correct = pipe_correct = single = 0
    seconds = 0.0
    scores, right = [], []
    for row in rows:
        image = Image.open(row.path).convert("RGB")
        t = time.perf_counter()
        analysis = pipeline(image)
        seconds += time.perf_counter() - t
        instances = list(analysis)
        single += analysis.single_item
        main = max(instances, key=lambda i: i.area) if instances else None
        answer = taxonomy.TYPE_TO_EVAL_LABEL.get(main.type, "other") if main and main.type else "other"
        confusion[row.label][answer] += 1
        pipe_correct += answer == row.label
        scores.append(main.score if main else 0.0)
        right.append(answer == row.label)
        whole = slugs[int(classify.probabilities([image])[0].argmax())]
        cls_correct += taxonomy.TYPE_TO_EVAL_LABEL.get(whole, "other") == row.label
    n = len(rows)
    per_class = {}
    for label in taxonomy.EVAL_LABELS:
        row = confusion.get(label, Counter())
        if row:
            per_class[label] = {"n": sum(row.values()), "top1": round(row[label] / sum(row.values()), 4)}
    return {
        "n": n,
        "top1": round(pipe_correct / max(1, n), 4),
        "classifier_top1": round(cls_correct / max(1, n), 4),
        "ece": round(expected_calibration_error(scores, right), 4),
        "confident_error_rate": round(
            sum(s >= DEFAULT_REVIEW_THRESHOLD and not r for s, r in zip(scores, right)) / max(1, n), 4
        ),
        "single_item_rate": round(single / max(1, n), 4),
        "per_class": per_class,
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "seconds_per_photo": round(seconds / max(1, n), 3),
    }


def evaluate_detector(pipeline: Pipeline, data: Path, split: str = "all", limit: int = 0) -> dict:
    """COCO AP and semantic metrics of the ``detect`` stage; see module docstring.

    Detections are merged per category keeping low-scoring ones (so AP sees the whole
    precision/recall curve); the semantic map paints those scoring at least the stage's
    ``score_threshold``. Masks are compared at the photo's resolution.
    """
    stems = datasets.ccp_photo_stems(data)
    if split != "all":
        stems = [s for s in stems if datasets.ccp_split(s) == split]
    if limit:
        stems = stems[:limit]
    detect = pipeline.stage("detect")
    scene = pipeline.stage("scene") if "scene" in pipeline.names else None
    segment = pipeline.stage("segment") if "segment" in pipeline.names else None
    acc = DetectionAccumulator(detect.score_threshold)
    seconds = 0.0
    single = 0
    bleed = {"background_bleed": [0, 0], "background_bleed_detector": [0, 0]}  # [background px, garment px]
    for stem in stems:
        image = Image.open(data / "photos" / f"{stem}.jpg").convert("RGB")
        if scene is not None:
            ctx = pipeline.preprocess(image)
            scene(ctx)
            single += ctx.analysis.single_item
        labels = datasets.read_ccp_labels(data, stem)
        gt_map = datasets.ccp_category_map(labels)
        t = time.perf_counter()
        dets = detect.detect(detect.work_image(image), keep_low=True)
        preds = [
            (1 + taxonomy.CATEGORY_SLUGS.index(d.category), d.score, resize_mask(d.mask, gt_map.shape)) for d in dets
        ]
        raw = preds
        if segment is not None:  # what the app stores: each garment cut to the person
            person = segment.person_mask(np.asarray(image))
            preds = [(c, s, m & resize_mask(person, gt_map.shape)) for c, s, m in preds]
        seconds += time.perf_counter() - t
        for key, found in (("background_bleed", preds), ("background_bleed_detector", raw)):
            kept = [m for _, s, m in found if s >= detect.score_threshold]
            if kept:
                union = np.logical_or.reduce(kept)
                bleed[key][0] += int((union & (labels == 0)).sum())
                bleed[key][1] += int(union.sum())
        acc.add(gt_map, preds)
    out = acc.compute()
    for key, (bg, total) in bleed.items():
        out[key] = bg / total if total else None
    out["seconds_per_photo"] = round(seconds / max(1, len(stems)), 3)
    if scene is not None:
        out["scene_single_item_rate"] = single / max(1, len(stems))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def score_cutouts(pairs: list[tuple[str, np.ndarray, np.ndarray, float | None]]) -> dict:
    """Figures of main-garment masks against references: ``pairs`` of (stem, predicted bool (H, W),
    reference bool (H, W), mask_quality or None). Returns ``n``, ``mean_iou``, ``usable_rate`` (IoU >=
    0.8), ``broken_rate`` (IoU < 0.5), ``per_photo`` ({stem: {"iou", "mask_quality"}}) and, when
    qualities are given, ``quality_spearman`` (Spearman's rank correlation of quality and IoU)."""
    from scipy.stats import spearmanr

    from vision.metrics import mask_iou

    ious = {stem: mask_iou(pred, ref) for stem, pred, ref, _ in pairs}
    values = np.asarray(list(ious.values()), dtype=float)
    out = {
        "n": len(values),
        "mean_iou": float(values.mean()) if len(values) else None,
        "usable_rate": float((values >= 0.8).mean()) if len(values) else None,
        "broken_rate": float((values < 0.5).mean()) if len(values) else None,
        "per_photo": {stem: {"iou": round(ious[stem], 4), "mask_quality": q} for stem, _, _, q in pairs},
    }
    qualities = [q for *_, q in pairs]
    if len(values) > 2 and all(q is not None for q in qualities):
        out["quality_spearman"] = float(spearmanr(qualities, values).statistic)
    return out


def evaluate_cutout(
    pipeline: Pipeline | None,
    data: Path,
    split: str = "all",
    limit: int = 0,
    pred: Path | None = None,
    references: Path | None = None,
) -> dict:
    """Main-garment masks of single-item photos against the checked references of
    ``vision/references/single_item`` (:mod:`vision.reference_masks`), at photo resolution.

    The masks are the pipeline's largest garment, or, with ``pred``, the ``<stem>.png`` files that
    ``python -m vision.predict`` wrote there (0/255). ``references``: another folder of the same
    layout (``spec.json`` and ``<stem>.png``). ``split``: the references' split (``val`` is
    reported, ``calib`` is for choices). Adds ``segment_seconds_median`` / ``_p95`` (the ``segment``
    stage's wall time per photo) when the pipeline ran. Raises FileNotFoundError for a missing photo
    or predicted mask."""
    from vision.reference_masks import REFERENCES, read_spec

    references = Path(references) if references else REFERENCES
    entries = [e for e in read_spec(references / "spec.json") if e.get("checked") and split in ("all", e["split"])]
    entries = entries[:limit] if limit else entries
    pairs, seconds = [], []
    for e in entries:
        ref = np.asarray(Image.open(references / f"{e['stem']}.png").convert("L")) > 127
        if pred is not None:
            mask, quality = np.asarray(Image.open(pred / f"{e['stem']}.png").convert("L")) > 127, None
        else:
            analysis = pipeline(Image.open(data / "images" / f"{e['stem']}.jpg"))
            main = analysis.instances[0]
            mask, quality = main.mask, main.mask_quality
            seconds.append(analysis.seconds.get("segment", 0.0))
        pairs.append((e["stem"], mask, ref, quality))
    out = score_cutouts(pairs)
    if seconds:
        out["segment_seconds_median"] = float(np.median(seconds))
        out["segment_seconds_p95"] = float(np.percentile(seconds, 95))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["classifier", "detector", "cutout", "retrieval", "attributes", "stains"])
    ap.add_argument(
        "--data", required=True, help="folder in clothing-dataset (classifier, cutout) or CCP (detector) format"
    )
    ap.add_argument("--pred", default=None, help="cutout: score the masks vision.predict wrote in this folder")
    ap.add_argument("--references", default=None, help="cutout: folder of reference masks and spec.json")
    ap.add_argument("--no-recut", action="store_true", help="cutout: GrabCut in a band, not in the whole box")
    ap.add_argument("--no-refine", action="store_true", help="cutout, with --no-recut: no GrabCut at all")
    ap.add_argument("--json", help="write the result here as JSON")
    ap.add_argument("--backgrounds", default=None, help="retrieval: folder of photos whose crops serve as backgrounds")
    ap.add_argument("--cache", default=None, help="retrieval: file keeping the analyses between runs")
    ap.add_argument("--closet-size", type=int, default=500, help="retrieval: garments in the closet")
    ap.add_argument("--extra-closet", type=int, default=0, help="retrieval: train photos added to the closet")
    ap.add_argument("--queries", type=int, default=150, help="retrieval: re-shoots (and re-uploads) of each kind")
    ap.add_argument("--seed", type=int, default=0, help="retrieval: seed of the draws and re-shoots")
    ap.add_argument("--replay-draws", type=int, default=1, help="retrieval: draws of the corrected photos")
    ap.add_argument("--split", choices=["all", "val", "calib"], default="all")
    ap.add_argument("--labels", default=None, help="attributes: labels CSV (default: DIR/attributes.csv)")
    ap.add_argument("--ccp-crops", default=None, help="attributes: folder of labelled CCP garment crops")
    ap.add_argument("--served", action="store_true", help="attributes: through the whole serving pipeline")
    ap.add_argument(
        "--combine", choices=["replace", "mean"], default=None, help="attributes: how every view model joins in"
    )
    ap.add_argument(
        "--mirror", choices=["none", "main", "all"], default=None, help="attributes: which models also see the mirror"
    )
    ap.add_argument("--weights", default=None, help="folder with detector.pt and classifier.pt")
    ap.add_argument("--device", default=None)
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--n", type=int, default=0, help="stains: only the first N photos of the split")
    ap.add_argument("--score-threshold", type=float, default=None, help="override the serving threshold")
    ap.add_argument("--detector-weight", type=float, default=None, help="override the detector's vote weight")
    ap.add_argument("--single-item-threshold", type=float, default=None, help="override the single-item gate")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    data = Path(args.data)
    overrides = {
        "score_threshold": args.score_threshold,
        "detector_weight": args.detector_weight,
        "single_item_threshold": args.single_item_threshold,
        "refine": False if args.no_refine else None,
        "recut": False if args.no_recut else None,
    }
    if args.what == "stains":
        from vision.stain_eval import evaluate_stains

        split = "val" if args.split == "all" else args.split
        result = evaluate_stains(data, split, args.n or args.limit, args.seed, args.weights, args.device or "cpu")
    elif args.what == "attributes":
        from vision.attribute_eval import evaluate_attributes
        from vision.inference import WEIGHTS_DIR, resolve_device
        from vision.stages.attributes import build as build_attributes

        weights = Path(args.weights) if args.weights else WEIGHTS_DIR
        labels = Path(args.labels) if args.labels else None
        if args.served:
            from vision.attribute_eval import evaluate_served

            pipeline = load_pipeline(weights, args.device, **{k: v for k, v in overrides.items() if v is not None})
            result = evaluate_served(pipeline, data, labels, args.split, args.limit)
        else:
            stage = build_attributes(weights, resolve_device(args.device))
            for view in stage.views if args.combine else []:
                view.combine = args.combine
            if args.mirror:  # flip test-time augmentation for the main model only, or every model
                for k, model in enumerate([stage.model, *stage.views]):
                    model.mirror = args.mirror == "all" or (args.mirror == "main" and k == 0)
            ccp = Path(args.ccp_crops) if args.ccp_crops else None
            result = evaluate_attributes(stage, data, labels, args.split, ccp, weights, args.limit)
    elif args.what == "cutout" and args.pred:
        result = evaluate_cutout(None, data, args.split, args.limit, Path(args.pred), args.references)
    else:
        pipeline = load_pipeline(args.weights, args.device, **{k: v for k, v in overrides.items() if v is not None})
        if args.what == "retrieval":
            from vision.retrieval import evaluate_retrieval

            result = evaluate_retrieval(
                pipeline,
                data,
                args.split,
                closet_size=args.closet_size,
                extra_closet=args.extra_closet,
                n_queries=args.queries,
                seed=args.seed,
                limit=args.limit,
                backgrounds=args.backgrounds,
                cache=args.cache,
                replay_draws_n=args.replay_draws,
            )
        elif args.what == "cutout":
            result = evaluate_cutout(pipeline, data, args.split, args.limit, references=args.references)
        else:
            fn = evaluate_classifier if args.what == "classifier" else evaluate_detector
            result = fn(pipeline, data, args.split, args.limit)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

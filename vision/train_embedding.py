"""Fit the ``embed`` stage's projection (issue 16): within-pair covariance normalisation.

    python -m vision.train_embedding --data CLOTHING_DIR --out vision/weights/embed_projection.pt \
        [--split train] [--limit N] [--reshoots 1] [--shrink 0.3] [--cache FILE] [--threads 2]

The backbone's pooled features (:mod:`vision.stages.embed`) were trained to name a garment's type,
so two photos of one garment differ along directions (pose, light, background left by the mask,
mirror) that the type does not care about but that separate two garments of one type no better.
Within-class covariance normalisation (WCCN; Hatch, Kajarekar & Stolcke, "Within-class covariance
normalization for SVM-based speaker recognition", Interspeech 2006) scales those directions down:
with ``S_w`` the covariance of the differences between two photos of the same garment,

    W = (S_w + shrink * tr(S_w) / D * I) ** -1/2,   e' = W (e - mean) / ||W (e - mean)||

(``D`` = 1280, ``mean`` the mean embedding of the training photos; the ridge ``shrink`` keeps the
inverse square root defined with fewer pairs than dimensions, Ledoit & Wolf 2004 style).

Pairs: the shared data holds no garment photographed twice, so each training photo's main garment
(the serving pipeline's largest mask) is re-shot by :func:`vision.reshoot.reshoot`, the generator
that also makes the evaluation's re-shoots (other contributors, other seeds): the gain measured by
``python -m vision.evaluate retrieval`` is therefore on re-shoots of the kind it was fitted on. Only
the ``train`` split of contributors is used (``vision.datasets.clothing_split``); ``calib``
chooses ``shrink``, ``val`` reports.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import torch

from vision import datasets, taxonomy
from vision.reshoot import reshoot
from vision.retrieval import Cache, load_photo, unpack_mask
from vision.stages.embed import project  # noqa: F401  (re-exported beside the fit)

#: The stages the pairs go through: the serving pipeline up to ``embed`` (no colours, attributes, stains).
PAIR_STAGES: tuple[str, ...] = ("scene", "detect", "segment", "classify", "embed")


def _main_garment(pipeline, image) -> tuple[np.ndarray, tuple] | None:
    """(raw unit-norm float32 (D,) embedding, packed mask) of the largest garment found, or None."""
    analysis = pipeline(image)
    if not analysis.instances:
        return None
    main = max(analysis.instances, key=lambda i: i.area)
    return main.embedding.astype(np.float32), (np.packbits(main.mask), main.mask.shape)


def pair_features(
    pipeline, rows, reshoots: int = 1, seed: int = 0, cache: Path | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Embeddings of each photo of ``rows`` (``vision.datasets.ClothingRow``) and of ``reshoots``
    re-shoots of its main garment, through ``pipeline`` (whose ``embed`` stage has no projection).

    Returns (originals float32 (N, D), shots float32 (M, D), owner int64 (M,): the row of
    ``originals`` each shot repeats). Photos where no garment is found are left out. ``cache``: a
    pickle file keeping the embeddings between runs (:class:`vision.retrieval.Cache`)."""
    store = Cache(cache)
    originals, shots, owner = [], [], []
    for r in rows:
        found = store.get(("photo", r.path.stem), lambda r=r: _main_garment(pipeline, load_photo(r.path)))
        if found is None:
            continue
        index = len(originals)
        originals.append(found[0])
        for k in range(reshoots):

            def make(r=r, k=k, mask=found[1]):
                rng = np.random.default_rng([seed, k, int(hashlib.md5(r.path.stem.encode()).hexdigest()[:8], 16)])
                return _main_garment(pipeline, reshoot(load_photo(r.path), unpack_mask(mask), rng))

            shot = store.get(("reshoot", r.path.stem, seed, k), make)
            if shot is not None:
                shots.append(shot[0])
                owner.append(index)
    store.save()
    dim = originals[0].shape[0] if originals else 0
    return (
        np.asarray(originals, np.float32).reshape(-1, dim),
        np.asarray(shots, np.float32).reshape(-1, dim),
        np.asarray(owner, np.int64),
    )


def fit_wccn(originals: np.ndarray, shots: np.ndarray, owner: np.ndarray, shrink: float) -> dict:
    """The projection of the module docstring from paired embeddings (see :func:`pair_features`).

    Returns {"mean": float32 (D,), "matrix": float32 (D, D) symmetric ``W``}. Raises ValueError with
    no pairs or ``shrink`` <= 0."""
    if len(shots) == 0 or shrink <= 0:
        raise ValueError(f"need at least one pair and shrink > 0 (got {len(shots)} pairs, shrink {shrink})")
    diff = (originals[owner] - shots).astype(np.float64)
    within = diff.T @ diff / (2 * len(diff))  # each pair's difference has twice one photo's variance
    dim = within.shape[0]
    within += shrink * np.trace(within) / dim * np.eye(dim)
    values, vectors = np.linalg.eigh(within)
    matrix = (vectors / np.sqrt(values)) @ vectors.T
    matrix *= np.sqrt(values.mean())  # keep the scale of the features (the cosine ignores it)
    mean = np.concatenate([originals, shots]).mean(0)
    return {"mean": mean.astype(np.float32), "matrix": matrix.astype(np.float32)}


def save_projection(path: Path, projection: dict, meta: dict) -> Path:
    """Write ``projection`` (float32 tensors) and ``meta`` (JSON-like) with :func:`torch.save`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: torch.from_numpy(v) for k, v in projection.items()} | {"meta": meta}, path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="clothing-dataset folder (images.csv + images/)")
    ap.add_argument("--out", required=True, help="where to write the projection (.pt)")
    ap.add_argument("--split", default="train", help="contributors of the pairs: train, calib, val, all")
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos (a smoke run)")
    ap.add_argument("--reshoots", type=int, default=1, help="re-shoots per photo")
    ap.add_argument("--shrink", type=float, default=0.3, help="ridge added to the within-pair covariance")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=None, help="file keeping the embeddings between runs")
    ap.add_argument("--weights", default=None, help="weights folder of the pipeline (default: committed)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from vision.inference import load_pipeline

    rows = [r for r in datasets.read_clothing(args.data) if taxonomy.CLOTHING_TO_TYPE.get(r.label)]
    rows = [r for r in rows if args.split == "all" or datasets.clothing_split(r.sender_id) == args.split]
    rows = rows[: args.limit] if args.limit else rows
    started = time.perf_counter()
    pipeline = load_pipeline(args.weights, "cpu", stages=PAIR_STAGES, embed_projection=False)
    originals, shots, owner = pair_features(pipeline, rows, args.reshoots, args.seed, args.cache)
    projection = fit_wccn(originals, shots, owner, args.shrink)
    meta = {
        "method": "WCCN (Hatch et al. 2006) on re-shoot pairs",
        "split": args.split,
        "photos": int(len(originals)),
        "pairs": int(len(shots)),
        "reshoots": args.reshoots,
        "shrink": args.shrink,
        "seed": args.seed,
        "command": "python -m vision.train_embedding --data CLOTHING_DIR --out OUT "
        f"--split {args.split} --limit {args.limit} --reshoots {args.reshoots} "
        f"--shrink {args.shrink} --seed {args.seed}",
    }
    path = save_projection(Path(args.out), projection, meta)
    print({**meta, "seconds": round(time.perf_counter() - started, 1), "out": str(path)})
    return 0


if __name__ == "__main__":
    sys.exit(main())

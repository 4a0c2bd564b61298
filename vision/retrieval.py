"""Evaluation of the embedding (issue 16): same-garment retrieval, duplicate warnings, same-photo
hashes, corrections that stick, and the ``embed`` stage's time.

    python -m vision.evaluate retrieval --data CLOTHING_DIR --split val [--backgrounds CCP_PHOTOS] [--json OUT]

Test data, from one split of held-out contributors (``vision.datasets.clothing_split``; ``calib`` is
where the thresholds and the rerank's settings were chosen, ``val`` is reported): every photo whose
label names a type (``vision.taxonomy.CLOTHING_TO_TYPE``). The shared data holds no labelled pairs
of one garment photographed twice, so second photos are made (:mod:`vision.reshoot`, seed fixed):

* the **closet**: ``closet_size`` (500) photos drawn at random, the garments a person owns; the
  rest of the split are **new** garments;
* **re-shoots**: the main garment of a photo (the pipeline's largest mask) on a new background,
  mirrored, rotated, in perspective, under other light, JPEG again; ``n_queries`` of closet
  garments and as many of new ones;
* **re-uploads**: ``n_queries`` closet photos re-encoded, resized, cropped or EXIF-rotated.

Every photo, original or made, goes through the whole serving pipeline; its main garment is used.

Figures (``view`` ``cutout`` is what the ``embed`` stage serves; ``box`` is the plain box crop,
measured for the choice):

* ``recall_at_1`` / ``recall_at_5``: share of closet re-shoots whose original is the most similar /
  among the 5 most similar of the closet's garments (all categories);
* ``duplicate``: a new garment is flagged when its duplicate score against the closet's garments of
  its (predicted) category and of its guesses' categories (:func:`vision.similarity.duplicate_categories`;
  :func:`vision.similarity.duplicate_score`: the nearest one's cosine
  against the second nearest's) is at least ``threshold`` (:data:`vision.similarity.DUPLICATE_MARGIN`);
  ``precision`` (flags pointing at the right garment / flags; flags on new garments count as
  wrong) and ``recall`` (closet queries flagged with the right garment / closet queries), for
  re-shoots, re-uploads and both; ``best_threshold``: the lowest threshold with precision >= 0.95
  on this split (read it on ``calib``);
* ``phash``: Hamming distances of re-uploads to their source photo, and of every pair of different
  photos of the split: ``recall`` (re-uploads at or under :data:`vision.similarity.PHASH_MAX_DISTANCE`),
  ``false_match_rate`` (pairs of different photos at or under it), ``max_reupload_distance``,
  ``min_different_distance``;
* ``replay``: each contributor with at least ``min_user_photos`` photos of the 10 evaluated classes
  corrects up to 5 photos of each class (at least one left); their other photos are new: top-1
  (type level, as ``vision.evaluate classifier``) of the model's first guess and of
  :func:`vision.similarity.personal_rerank` with the corrected garments as neighbours (with
  ``--replay-draws N``, also their mean over N draws of the corrected photos, ``replay_draws``);
* ``embed_seconds``: median / p95 wall time of the ``embed`` stage per garment.
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from vision import datasets, similarity, taxonomy
from vision.reshoot import REUPLOAD_KINDS, reshoot, reupload

VIEWS = ("cutout", "box")


def analyse(pipeline, image: Image.Image, keep_mask: bool = True) -> dict | None:
    """The main garment (largest mask) of ``image`` through ``pipeline`` (which needs ``embed``):
    ``category``, ``type``, ``guesses``, ``mask`` (:func:`np.packbits` of the bool (H, W) mask and its
    shape, when ``keep_mask``), ``cutout`` and ``box`` (unit-norm float32 (D,) embeddings of both
    views), ``embed_seconds`` (the stage's wall time per garment) and ``phash``. None when the
    pipeline found no garment."""
    from vision.stages.embed import neutral_cutout

    analysis = pipeline(image)
    if not analysis.instances:
        return None
    main = max(analysis.instances, key=lambda i: i.area)
    embed = pipeline.stage("embed")
    views = {"cutout": neutral_cutout(image, main.mask, main.box), "box": image.crop(main.box)}
    return {
        "category": main.category,
        "type": main.type,
        "guesses": list(main.guesses),
        "mask": (np.packbits(main.mask), main.mask.shape) if keep_mask else None,
        **{v: main.embedding if embed.view == v else embed.embed([views[v]])[0] for v in VIEWS},
        "embed_seconds": analysis.seconds.get("embed", 0.0) / len(analysis.instances),
        "phash": similarity.photo_phash(image),
    }


def unpack_mask(packed) -> np.ndarray:
    """The bool (H, W) mask of an :func:`analyse` record's ``mask``."""
    bits, shape = packed
    return np.unpackbits(bits, count=int(np.prod(shape))).reshape(shape).astype(bool)


class Cache:
    """Analyses by key, kept in a pickle file (our own file, written by this module) when ``path``."""

    def __init__(self, path: Path | None):
        self.path = Path(path) if path else None
        self.items: dict = {}
        if self.path and self.path.exists():
            with open(self.path, "rb") as f:
                self.items = pickle.load(f)

    def get(self, key, make):
        """The cached value of ``key``, else ``make()`` (stored; the file written every 50 new values,
        with a line of progress on stderr)."""
        if key not in self.items:
            self.items[key] = make()
            self.new = getattr(self, "new", 0) + 1
            if self.new % 50 == 0:
                print(f"{self.new} analysed, {len(self.items)} kept", file=sys.stderr, flush=True)
                self.save()
        return self.items[key]

    def save(self) -> None:
        """Write the file (when there is a path)."""
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "wb") as f:
                pickle.dump(self.items, f)


def load_photo(path: Path) -> Image.Image:
    """A photo as the app reads it: EXIF orientation applied, RGB."""
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def retrieval_metrics(queries: np.ndarray, targets: np.ndarray, gallery: np.ndarray) -> dict:
    """Recall@1 and @5 of ``queries`` (N, D) against ``gallery`` (M, D), ``targets`` (N,) the index
    of each query's own garment in the gallery."""
    sims = similarity.cosine_matrix(queries, gallery)
    rank = (sims > sims[np.arange(len(targets)), targets][:, None]).sum(1)
    return {"recall_at_1": float((rank < 1).mean()), "recall_at_5": float((rank < 5).mean())}


def best_same_category(query: np.ndarray, category: str | set[str], gallery: np.ndarray, categories: list[str]):
    """(index, duplicate score) of the gallery garment of ``category`` (a slug, or a set of slugs:
    :func:`vision.similarity.duplicate_categories`) most similar to ``query``
    (:func:`vision.similarity.duplicate_score`, compared with ``DUPLICATE_MARGIN``), or (-1, -9)."""
    wanted = {category} if isinstance(category, str) else set(category)
    idx = [i for i, c in enumerate(categories) if c in wanted]
    if not idx:
        return -1, -9.0
    j, score = similarity.duplicate_score(similarity.cosine_matrix(query, gallery[idx])[0])
    return idx[j], score


def duplicate_metrics(results: list[tuple[int, int, float]], threshold: float) -> dict:
    """Precision and recall of flags from ``results``: (true closet index or -1 for a new garment,
    best same-category closet index, its cosine) per query."""
    flags = [(t, b) for t, b, s in results if s >= threshold]
    right = sum(t == b and t >= 0 for t, b in flags)
    positives = sum(t >= 0 for t, _, _ in results)
    return {
        "precision": right / len(flags) if flags else None,
        "recall": right / positives if positives else None,
        "n_flags": len(flags),
        "n_closet_queries": positives,
        "n_new_queries": len(results) - positives,
    }


def lowest_threshold(results: list[tuple[int, int, float]], min_precision: float = 0.95) -> float | None:
    """The lowest score threshold (of the observed ones) whose flags have precision >= ``min_precision``
    among thresholds at or above it all keeping it, i.e. the highest recall at that precision."""
    best = None
    for s in sorted({round(s, 3) for _, _, s in results}, reverse=True):
        p = duplicate_metrics(results, s)["precision"]
        if p is not None and p < min_precision:
            break
        best = s
    return best


def hamming_matrix(hashes: np.ndarray) -> np.ndarray:
    """Pairwise Hamming distances (N, N) int of 64-bit hashes (N,) given as uint64."""
    x = hashes[:, None] ^ hashes[None, :]
    bits = np.unpackbits(x.view(np.uint8).reshape(len(hashes), len(hashes), 8), axis=-1)
    return bits.sum(-1)


def replay(
    records: dict,
    rows,
    rng: np.random.Generator,
    min_user_photos: int,
    prior: float | None = similarity.PERSONAL_OFFSET_PRIOR,
    **rerank,
) -> dict:
    """Top-1 of the model and of :func:`vision.similarity.personal_rerank` on each contributor's new
    photos after up to 5 corrected photos per class (see the module docstring). ``records``: stem
    -> :func:`analyse` result; ``prior``: of :func:`vision.similarity.correction_offsets` fitted on
    the corrected photos (None: no offsets); ``rerank``: ``k``, ``weight``, ``tau`` for the rerank,
    the weight scaled by :func:`vision.similarity.personal_weight` of the closest corrected photo, as
    the app does."""
    by_user: dict[str, list] = {}
    for r in rows:
        if r.label in taxonomy.EVAL_LABELS and records.get(r.path.stem):
            by_user.setdefault(r.sender_id, []).append(r)
    model = rer = n = 0
    users = 0
    for user in sorted(by_user):
        user_rows = by_user[user]
        if len(user_rows) < min_user_photos:
            continue
        users += 1
        neighbours, new, corrected = [], [], []
        for label in sorted({r.label for r in user_rows}):
            these = [user_rows[i] for i in rng.permutation(len(user_rows)) if user_rows[i].label == label]
            cut = min(5, len(these) - 1)
            t = taxonomy.CLOTHING_TO_TYPE[label]
            neighbours += [(records[r.path.stem]["cutout"], taxonomy.category_of_type(t), t) for r in these[:cut]]
            new += these[cut:]
            corrected += these[:cut]
        kept = [(records[r.path.stem]["guesses"], c, t) for r, (_, c, t) in zip(corrected, neighbours)]
        offsets = similarity.correction_offsets(kept, prior=prior) if prior else None
        gallery = np.stack([e for e, _, _ in neighbours])
        for r in new:
            rec = records[r.path.stem]
            g = rec["guesses"]
            best = float(similarity.cosine_matrix(rec["cutout"], gallery).max())
            weight = similarity.personal_weight(best, rerank.get("weight", similarity.PERSONAL_WEIGHT))
            again = similarity.personal_rerank(
                g, rec["cutout"], neighbours, **{**rerank, "weight": weight}, offsets=offsets
            )
            model += bool(g) and taxonomy.TYPE_TO_EVAL_LABEL.get(g[0].type or "") == r.label
            rer += bool(again) and taxonomy.TYPE_TO_EVAL_LABEL.get(again[0].type or "") == r.label
            n += 1
    return {
        "users": users,
        "n_new_photos": n,
        "model_top1": model / n if n else None,
        "rerank_top1": rer / n if n else None,
        "gain_points": 100 * (rer - model) / n if n else None,
    }


def replay_draws(records: dict, rows, seed: int, draws: int, min_user_photos: int, **rerank) -> dict:
    """:func:`replay` over ``draws`` draws of the corrected photos (generators seeded ``seed``,
    ``seed + 1``, ...): ``draws``, per draw ``gain_points`` (list), their mean ``gain_points_mean``
    and the means of ``model_top1`` and ``rerank_top1``. One draw decides a figure of about 600
    photos by a few of them; the mean of several tells a method's worth from the draw's luck."""
    runs = [replay(records, rows, np.random.default_rng(seed + i), min_user_photos, **rerank) for i in range(draws)]
    runs = [r for r in runs if r["n_new_photos"]]
    mean = (lambda key: float(np.mean([r[key] for r in runs]))) if runs else (lambda key: None)
    return {
        "draws": draws,
        "gain_points": [r["gain_points"] for r in runs],
        "gain_points_mean": mean("gain_points"),
        "model_top1_mean": mean("model_top1"),
        "rerank_top1_mean": mean("rerank_top1"),
    }


def evaluate_retrieval(
    pipeline,
    data: Path,
    split: str = "val",
    *,
    closet_size: int = 500,
    n_queries: int = 150,
    seed: int = 0,
    limit: int = 0,
    backgrounds: Path | None = None,
    cache: Path | None = None,
    min_user_photos: int = 20,
    threshold: float | None = None,
    phash_distance: int | None = None,
    rerank: dict | None = None,
    extra_closet: int = 0,
    replay_draws_n: int = 1,
) -> dict:
    """Every figure of the module docstring on one split of a clothing-dataset folder ``data``.

    ``pipeline`` needs the ``embed`` stage. ``limit``: only the first N photos of the split (a smoke
    run; the closet is then 60 % of them; else it leaves ``n_queries`` photos out of the closet).
    ``backgrounds``: a folder of photos (e.g. CCP's) whose crops may serve as new backgrounds (the
    reported figures use none: procedural backgrounds only). ``cache``: a file where analyses are kept between runs.
    ``threshold`` / ``phash_distance``: override the constants of :mod:`vision.similarity`;
    ``rerank``: keywords for :func:`vision.similarity.personal_rerank`. ``extra_closet``: that many
    photos of the ``train`` split's contributors (drawn with ``seed``) added to the closet as garments
    no query repeats, so a small split (calib: 244 garments) can be measured in a closet as large as
    val's (the thresholds of :mod:`vision.similarity` were read in calib's 244 + 256). ``replay_draws_n``
    above 1: also ``replay_draws`` (:func:`replay_draws` from ``seed``). Raises FileNotFoundError
    when ``data`` has no ``images.csv``, ValueError when the split has fewer than 4 usable photos.
    """
    threshold = similarity.DUPLICATE_MARGIN if threshold is None else threshold
    phash_distance = similarity.PHASH_MAX_DISTANCE if phash_distance is None else phash_distance
    rows = [r for r in datasets.read_clothing(data) if taxonomy.CLOTHING_TO_TYPE.get(r.label)]
    rows = [r for r in rows if split == "all" or datasets.clothing_split(r.sender_id) == split]
    rows = rows[:limit] if limit else rows
    store = Cache(cache)
    started = time.perf_counter()
    records = {
        r.path.stem: store.get(("photo", r.path.stem), lambda r=r: analyse(pipeline, load_photo(r.path))) for r in rows
    }
    usable = [r for r in rows if records[r.path.stem] is not None]
    if len(usable) < 4:
        raise ValueError(f"only {len(usable)} usable photos in split {split!r}")
    rng = np.random.default_rng(seed)
    order = [usable[i] for i in rng.permutation(len(usable))]
    n_closet = int(0.6 * len(order)) if limit else max(1, len(order) - n_queries)
    n_closet = min(closet_size, n_closet)
    closet, outsiders = order[:n_closet], order[n_closet:]
    others = [r for r in datasets.read_clothing(data) if taxonomy.CLOTHING_TO_TYPE.get(r.label)] if extra_closet else []
    others = [r for r in others if datasets.clothing_split(r.sender_id) == "train"]
    others = [others[i] for i in np.random.default_rng(seed).permutation(len(others))[:extra_closet]]
    for r in others:
        records[r.path.stem] = store.get(("photo", r.path.stem), lambda r=r: analyse(pipeline, load_photo(r.path)))
    extras = [r for r in others if records[r.path.stem] is not None]
    n_q = min(n_queries, len(closet), len(outsiders))
    bg = [load_photo(p) for p in sorted(Path(backgrounds).glob("*.jpg"))[:200]] if backgrounds else []
    salt = {"reshoot": 0, "reupload": 1, "new": 2}

    def query(kind: str, r, i: int) -> dict | None:
        def make() -> dict | None:
            img, q_rng = load_photo(r.path), np.random.default_rng([seed, i, salt[kind]])
            if kind == "reupload":
                made = reupload(img, q_rng, REUPLOAD_KINDS[i % len(REUPLOAD_KINDS)])
            else:
                made = reshoot(img, unpack_mask(records[r.path.stem]["mask"]), q_rng, bg)
            return analyse(pipeline, made, keep_mask=False)

        return store.get((kind, r.path.stem, seed), make)

    queries = []  # (kind, true closet index or -1, record)
    for i, r in enumerate(closet[:n_q]):
        queries += [("reshoot", i, query("reshoot", r, i)), ("reupload", i, query("reupload", r, i))]
    queries += [("new", -1, query("new", r, i)) for i, r in enumerate(outsiders[:n_q])]
    store.save()
    seconds = time.perf_counter() - started
    out: dict = {"split": split, "closet_size": len(closet) + len(extras), "n_queries_each": n_q, "seed": seed}
    for view in VIEWS:
        gallery = np.stack([records[r.path.stem][view] for r in closet + extras])
        cats = [records[r.path.stem]["category"] for r in closet + extras]
        shots = [(t, q) for kind, t, q in queries if kind == "reshoot" and q is not None]
        out[f"retrieval_{view}"] = retrieval_metrics(
            np.stack([q[view] for _, q in shots]), np.array([t for t, _ in shots]), gallery
        )
        results: dict[str, list] = {"reshoot": [], "reupload": [], "new": []}
        for kind, t, q in queries:
            if q is None:
                best = (-1, -1.0)
            else:
                wanted = similarity.duplicate_categories(q["category"], [g.category for g in q["guesses"]])
                best = best_same_category(q[view], wanted, gallery, cats)
            results[kind].append((t, *best))
        both = results["reshoot"] + results["reupload"] + results["new"]
        out[f"duplicate_{view}"] = {
            "threshold": threshold,
            "reshoots": duplicate_metrics(results["reshoot"] + results["new"], threshold),
            "reuploads": duplicate_metrics(results["reupload"] + results["new"], threshold),
            "all": duplicate_metrics(both, threshold),
            "best_threshold": lowest_threshold(both),
        }
    hashes = np.array([records[r.path.stem]["phash"] for r in usable], dtype=np.uint64)
    dist = hamming_matrix(hashes)[np.triu_indices(len(hashes), 1)]
    re_d = [
        similarity.hamming(q["phash"], records[closet[t].path.stem]["phash"])
        for kind, t, q in queries
        if kind == "reupload" and q is not None
    ]
    out["phash"] = {
        "max_distance": phash_distance,
        "recall": float(np.mean([d <= phash_distance for d in re_d])),
        "false_match_rate": float((dist <= phash_distance).mean()),
        "false_matches": int((dist <= phash_distance).sum()),
        "n_different_pairs": int(dist.size),
        "max_reupload_distance": int(max(re_d)),
        "min_different_distance": int(dist.min()),
    }
    out["replay"] = replay(records, usable, np.random.default_rng(seed), min_user_photos, **(rerank or {}))
    if replay_draws_n > 1:
        out["replay_draws"] = replay_draws(records, usable, seed, replay_draws_n, min_user_photos, **(rerank or {}))
    times = [rec["embed_seconds"] for rec in records.values() if rec]
    out["embed_seconds"] = {"median": float(np.median(times)), "p95": float(np.percentile(times, 95))}
    out["n_photos"] = len(usable)
    out["seconds"] = round(seconds, 1)
    return _rounded(out)


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value

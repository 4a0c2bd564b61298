"""Finding the same garment again: cosine similarity of embeddings, the duplicate and same-photo
thresholds, and the person's own corrections voting with the classifier.

Plain NumPy (no torch, no Django); :func:`photo_phash` needs Pillow and ``imagehash``. The web side
stores each garment's ``GarmentInstance.embedding`` (float32 (:data:`EMBEDDING_DIM`,), unit norm,
filled by the ``embed`` stage, :mod:`vision.stages.embed`) and each photo's :func:`photo_phash`, then:

* "you may already own this": a new garment much more similar to one garment of the same category
  in the closet than to any other (:func:`duplicate_score`, :data:`DUPLICATE_MARGIN`; with a single
  such garment, a cosine similarity of at least :data:`DUPLICATE_SIMILARITY`);
* "this photo was uploaded before": two photos whose 64-bit perceptual hashes differ in at most
  :data:`PHASH_MAX_DISTANCE` bits (:func:`hamming`);
* "similar items": the closet ordered by :func:`cosine_matrix`;
* corrections that stick: the classifier's guesses re-scored by how the person names what the model
  confuses (:func:`correction_offsets`), then voted on by their most alike garments
  (:func:`personal_rerank`, weighted by :func:`personal_weight`).

The two thresholds and the rerank's settings were chosen on the calibration split of held-out
contributors and reported on the validation split (``python -m vision.evaluate retrieval``, figures
in ``vision/weights/MODEL_CARD_classifier.md``, "Embedding").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from vision.contract import Guess

if TYPE_CHECKING:
    from PIL import Image

#: Length of a garment embedding (the classifier backbone's pooled features).
EMBEDDING_DIM: int = 1280

#: Cosine similarity (same category) at or above which a new garment is very likely a garment
#: already in the closet, when it is the only one to compare with: the lowest threshold keeping
#: precision >= 0.95 on the calibration split (re-shoots and re-uploads of 150 of its 244 garments,
#: 150 re-shoots of new ones) in a closet of 500 (its 244 and 256 train-split photos,
#: ``vision.evaluate retrieval --extra-closet 256``), with the projected embedding
#: (``vision.train_embedding``, 2026-12-01: two different garments are about 0 apart, 99 % of pairs of
#: different classes below 0.13). 0.842 before it, on the plain features.
DUPLICATE_SIMILARITY: float = 0.432

#: The duplicate test of :func:`duplicate_score` compares the most similar same-category garment
#: (cosine ``s1``) with the second most similar (``s2``), as Lowe's (2004) nearest / second-nearest
#: ratio test does: a new garment repeats its nearest when ``s1 - DUPLICATE_SECOND_WEIGHT *
#: max(s2, DUPLICATE_SECOND_FLOOR) >= DUPLICATE_MARGIN``. A garment much nearer one garment than any
#: other is flagged at a lower cosine; one as near several alike garments is not. The floor keeps a
#: small closet, whose second garment may be far, from flagging at low cosines. Chosen on the
#: calibration split with the projected embedding: weight 0.5/0.75/1 x floor 0-0.3 in closets of 244
#: and 500 (its 244 plus 256 train-split photos), then the margin as the largest of the lowest margins
#: keeping precision >= 0.95 in each calib closet measured (244: 0.184; two draws of 500: 0.178 and
#: 0.205), so that it holds in all of them. A first choice in the 244 closet alone (0.5, 0.10, 0.26)
#: kept 0.954 there but fell to 0.944 in 500 (and to 0.932 on val: the only time val was read before
#: the final choice; see the model card). Before the projection: 0.75, 0.70, 0.243.
DUPLICATE_SECOND_WEIGHT: float = 0.75
#: See :data:`DUPLICATE_SECOND_WEIGHT`.
DUPLICATE_SECOND_FLOOR: float = 0.10
#: See :data:`DUPLICATE_SECOND_WEIGHT`.
DUPLICATE_MARGIN: float = 0.205

#: A new garment is compared with the closet's garments of its own category and of the categories of
#: the classifier's first ``DUPLICATE_CATEGORY_GUESSES`` guesses (:func:`duplicate_categories`): on
#: the calibration split a re-shoot was named another category than its original in 30 of 150 cases,
#: 22 of them among its three guesses; with them the duplicate recall went from 0.793 to 0.840 and the
#: precision from 0.952 to 0.955 at the same :data:`DUPLICATE_MARGIN` (1 guess: the category alone).
DUPLICATE_CATEGORY_GUESSES: int = 3

#: Hamming distance of two photos' 64-bit pHashes at or below which they are the same photo
#: uploaded again. On the calibration split re-encodes, resizes and EXIF rotations are at most 2
#: bits away, crops of 1-5 % per side 2-20 bits, and two different photos at least 6 (one
#: contributor's photos of dark garments on the same floor): 4 keeps every different pair apart and
#: leaves most crops to the embedding (:data:`DUPLICATE_SIMILARITY`).
PHASH_MAX_DISTANCE: int = 4

#: Share of :func:`personal_rerank`'s scores given to the person's own garments (at full trust,
#: :func:`personal_weight`). With :data:`PERSONAL_TAU`, ``k = 5`` and :data:`PERSONAL_OFFSET_PRIOR`:
#: the best of a grid (prior none/0.3/1/3 x weight 0.3-0.85 x tau 0.05-0.2) on the calibration
#: split's corrections replay, 10 draws of the corrected photos (+3.4 points; offsets alone +2.7,
#: neighbours alone +0.9).
PERSONAL_WEIGHT: float = 0.5
#: Temperature of the neighbours' similarity kernel ``exp((s - s_max) / tau)`` in :func:`personal_rerank`.
PERSONAL_TAU: float = 0.1


#: Cosine similarity of the person's closest garment at which their garments start to vote in
#: :func:`personal_weight`: the 99th percentile of the similarity of two garments of different
#: classes on the calibration split, so a single garment of another kind rarely outvotes the model.
PERSONAL_MIN_SIMILARITY: float = 0.13
#: Strength of the Gaussian prior on :func:`correction_offsets` (in garments' cross-entropy).
PERSONAL_OFFSET_PRIOR: float = 1.0
#: Score of a (category, type) missing from a garment's guesses, in :func:`correction_offsets`.
PERSONAL_SCORE_FLOOR: float = 1e-3


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarities of unit vectors: ``a @ b.T``.

    Args:
        a: (N, D) rows of unit L2 norm (any float dtype); a single (D,) vector is taken as (1, D).
        b: (M, D) likewise.
    Returns:
        float32 (N, M), each in [-1, 1] (up to rounding).
    Raises:
        ValueError: when the vectors' lengths differ.
    """
    a = np.atleast_2d(np.asarray(a, dtype=np.float32))
    b = np.atleast_2d(np.asarray(b, dtype=np.float32))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"vectors of different lengths: {a.shape[1]} and {b.shape[1]}")
    return (a @ b.T).astype(np.float32, copy=False)


def duplicate_categories(category: str | None, guess_categories: Sequence[str | None]) -> set[str]:
    """The category slugs whose garments a new garment is compared with for duplicates: its own
    ``category`` and those of its first :data:`DUPLICATE_CATEGORY_GUESSES` guesses
    (``guess_categories``, best first; ``None`` entries ignored)."""
    found = {category} | set(guess_categories[:DUPLICATE_CATEGORY_GUESSES])
    return {c for c in found if c}


def duplicate_score(sims: np.ndarray) -> tuple[int, float]:
    """Which garment a new one most likely repeats, and how surely: the test of
    :data:`DUPLICATE_SECOND_WEIGHT`.

    Args:
        sims: float (M,) cosine similarities of the new garment to the owner's garments of its
            category (M >= 1).
    Returns:
        ``(index, score)``: the index of the most similar garment in ``sims`` and the score to
        compare with :data:`DUPLICATE_MARGIN` (a duplicate at or above it): ``s1 - weight *
        max(s2, floor)``; with a single garment, which has no second to compare with,
        ``s1 - (DUPLICATE_SIMILARITY - DUPLICATE_MARGIN)`` (so the plain cosine threshold applies).
    Raises:
        ValueError: ``sims`` is empty.
    """
    sims = np.asarray(sims, dtype=np.float32).ravel()
    if sims.size == 0:
        raise ValueError("no garment to compare with")
    if sims.size == 1:
        return 0, float(sims[0]) - (DUPLICATE_SIMILARITY - DUPLICATE_MARGIN)
    first, second = np.argsort(-sims, kind="stable")[:2]
    second_sim = max(float(sims[second]), DUPLICATE_SECOND_FLOOR)
    return int(first), float(sims[first]) - DUPLICATE_SECOND_WEIGHT * second_sim


def photo_phash(image: Image.Image) -> int:
    """The 64-bit perceptual hash of a photo (``imagehash.phash``: DCT of the 32 x 32 grey image,
    the signs of its 8 x 8 lowest frequencies against their median; Zauner 2010) as an unsigned
    int in [0, 2**64). Call it on the photo after its EXIF orientation is applied
    (``PIL.ImageOps.exif_transpose``), so a re-upload with a rotation tag matches. To store it in a
    signed 64-bit column, subtract 2**64 from values of 2**63 and above; :func:`hamming` takes
    either."""
    import imagehash

    bits = imagehash.phash(image.convert("RGB")).hash.flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def hamming(a: int, b: int) -> int:
    """Number of differing bits of two 64-bit hashes (signed or unsigned ints)."""
    return int(bin((a ^ b) & 0xFFFFFFFFFFFFFFFF).count("1"))


def _vote(
    sims: np.ndarray, labels: list[tuple[str, str | None]], k: int, tau: float
) -> tuple[dict[tuple[str, str | None], float], float]:
    """The k nearest neighbours' votes per (category, type) (summing to 1) and the best similarity."""
    order = np.argsort(-sims, kind="stable")[:k]
    best = float(sims[order[0]])
    kernel = np.exp((sims[order] - best) / tau)
    votes: dict[tuple[str, str | None], float] = {}
    for i, a in zip(order, kernel / kernel.sum()):
        votes[labels[i]] = votes.get(labels[i], 0.0) + float(a)
    return votes, best


def personal_weight(best_similarity: float, weight: float = PERSONAL_WEIGHT) -> float:
    """The ``weight`` of :func:`personal_rerank` when the person's closest garment is
    ``best_similarity`` (cosine) alike: 0 up to :data:`PERSONAL_MIN_SIMILARITY`, then linear up to
    ``weight`` at :data:`DUPLICATE_SIMILARITY` (the same garment) and above. :func:`personal_rerank`
    weighs its neighbours relative to the closest one only, so at a constant weight a single
    unrelated garment would outvote a confident guess."""
    span = max(DUPLICATE_SIMILARITY - PERSONAL_MIN_SIMILARITY, 1e-6)
    return weight * min(1.0, max(0.0, (best_similarity - PERSONAL_MIN_SIMILARITY) / span))


def correction_offsets(
    kept: Sequence[tuple[Sequence[Guess], str, str | None]],
    *,
    prior: float = PERSONAL_OFFSET_PRIOR,
    floor: float = PERSONAL_SCORE_FLOOR,
    steps: int = 200,
) -> dict[tuple[str, str | None], float]:
    """How a person's own names differ from the classifier's: one additive log-score offset per
    (category, type), fitted on the garments they kept.

    The model's scores of each kept garment's guesses (others at ``floor``) plus the offsets, through
    a softmax, should name what the person kept: the offsets ``b`` minimise the cross-entropy summed
    over the garments plus ``prior / 2 * ||b||^2`` (a Gaussian prior, so one or two corrections move
    the scores little and many move them more), by ``steps`` of gradient descent from 0. This is the
    class-prior and bias adjustment of a classifier to new data (Saerens, Latinne & Decaestecker,
    "Adjusting the outputs of a classifier to new a priori probabilities", Neural Computation 2002;
    the bias-only calibration of Guo et al. 2017) fitted per person from their corrections.

    Args:
        kept: per garment, the classifier's guesses when it came (best first, ``Garment.guesses``)
            and the (category slug, type slug or None) the person kept.
        prior: strength of the Gaussian prior (> 0), in units of one garment's cross-entropy.
        floor: score given to a pair absent from a garment's guesses, in (0, 1).
    Returns:
        {(category, type): offset} over every pair named in ``kept``; ``{}`` when ``kept`` is empty.
    Raises:
        ValueError: ``prior`` <= 0 or ``floor`` outside (0, 1).
    """
    if prior <= 0 or not 0 < floor < 1:
        raise ValueError(f"need prior > 0 and 0 < floor < 1; got {prior}, {floor}")
    if not kept:
        return {}
    keys = sorted({(g.category, g.type) for gs, _, _ in kept for g in gs} | {(c, t) for _, c, t in kept}, key=str)
    index = {key: i for i, key in enumerate(keys)}
    logp = np.full((len(kept), len(keys)), np.log(floor))
    for row, (gs, _, _) in enumerate(kept):
        for g in gs:
            logp[row, index[(g.category, g.type)]] = np.log(max(g.score, floor))
    counts = np.bincount([index[(c, t)] for _, c, t in kept], minlength=len(keys))
    offsets = np.zeros(len(keys))
    rate = 1.0 / (len(kept) + prior)  # below 2 / L, L the loss's curvature bound (n / 2 + prior)
    for _ in range(steps):
        z = logp + offsets
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        offsets -= rate * (p.sum(0) - counts + prior * offsets)
    return {key: float(offsets[i]) for key, i in index.items()}


def offset_guesses(
    guesses: Sequence[Guess], offsets: dict[tuple[str, str | None], float], floor: float = PERSONAL_SCORE_FLOOR
) -> list[Guess]:
    """``guesses`` re-scored with :func:`correction_offsets`: over the guessed pairs and those with an
    offset, ``softmax(log(max(score, floor)) + offset)``; ``max(len(guesses), 1)`` best first. The
    guesses themselves (a copy) without offsets."""
    if not offsets:
        return list(guesses)
    keys = list(dict.fromkeys([(g.category, g.type) for g in guesses] + list(offsets)))
    scores = {(g.category, g.type): max(g.score, floor) for g in guesses}
    z = np.array([np.log(scores.get(key, floor)) + offsets.get(key, 0.0) for key in keys])
    p = np.exp(z - z.max())
    p /= p.sum()
    order = np.argsort(-p, kind="stable")[: max(len(guesses), 1)]
    return [Guess(keys[i][0], keys[i][1], round(float(p[i]), 4)) for i in order]


def personal_rerank(
    guesses: list[Guess],
    embedding: np.ndarray,
    neighbours: Sequence[tuple],
    *,
    k: int = 5,
    weight: float = PERSONAL_WEIGHT,
    tau: float = PERSONAL_TAU,
    offsets: dict[tuple[str, str | None], float] | None = None,
) -> list[Guess]:
    """The classifier's guesses re-ranked with the person's own confirmed or corrected garments.

    A similarity-weighted k-nearest-neighbour vote (Dudani 1976; as in kNN re-ranking of few-shot
    personalisation): the ``k`` neighbours most similar to ``embedding`` vote for their (category,
    type), each with ``exp((s - s_max) / tau)`` (``s`` its cosine similarity, ``s_max`` the best
    one's), votes normalised to sum to 1. A neighbour with no type votes for its category: its vote
    is shared among the guesses of that category in proportion to their scores (or goes to
    (category, None) when there is none). The new score of each (category, type) is
    ``(1 - weight) * p + weight * v``, ``p`` its guess score (0 for a pair the classifier did not
    guess) and ``v`` its vote; since the guesses' scores sum to at most 1 and the votes to 1, the
    new scores are probabilities again (summing to at most 1).

    With ``offsets`` (:func:`correction_offsets` of the person's garments) the guesses are first
    re-scored by :func:`offset_guesses`, then voted on.

    Args:
        guesses: the classifier's guesses, best first (``GarmentInstance.guesses``).
        embedding: float (D,) unit-norm embedding of the new garment.
        neighbours: the person's garments: (embedding (D,) unit norm, category slug, type slug or
            None, ...), further items ignored.
        k: neighbours that vote (at most).
        weight: share of the score given to the neighbours' vote, in [0, 1].
        tau: temperature of the similarity kernel (cosine units, > 0).
    Returns:
        ``max(len(guesses), 1)`` :class:`Guess` best first, scores rounded to 4 decimals; the
        guesses as :func:`offset_guesses` leaves them (unchanged without ``offsets``) when there are
        no neighbours or ``weight`` is 0.
    Raises:
        ValueError: ``weight`` outside [0, 1], ``k`` < 1 or ``tau`` <= 0, or embeddings of
            different lengths.
    """
    if not 0.0 <= weight <= 1.0 or k < 1 or tau <= 0:
        raise ValueError(f"need 0 <= weight <= 1, k >= 1, tau > 0; got {weight}, {k}, {tau}")
    guesses = offset_guesses(guesses, offsets or {})
    if not neighbours or weight == 0.0:
        return guesses
    matrix = np.stack([np.asarray(n[0], dtype=np.float32) for n in neighbours])
    sims = cosine_matrix(embedding, matrix)[0]
    votes, _ = _vote(sims, [(n[1], n[2]) for n in neighbours], k, tau)
    scores: dict[tuple[str, str | None], float] = {(g.category, g.type): (1 - weight) * g.score for g in guesses}
    for (category, type_), v in votes.items():
        same = [g for g in guesses if g.category == category] if type_ is None else []
        mass = sum(g.score for g in same)
        if same and mass > 0:
            for g in same:
                scores[(g.category, g.type)] += weight * v * g.score / mass
        else:
            scores[(category, type_)] = scores.get((category, type_), 0.0) + weight * v
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[: max(len(guesses), 1)]
    return [Guess(c, t, round(min(1.0, max(0.0, s)), 4)) for (c, t), s in ranked]

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
* corrections that stick: :func:`personal_rerank` of the classifier's guesses with the garments the
  person confirmed or corrected.

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
#: already in the closet: the lowest threshold keeping precision >= 0.95 on the calibration split
#: (re-shoots and re-uploads of 150 of its 244 garments, 150 re-shoots of new ones): 0.842 with the
#: mirror-averaged embedding (``vision.stages.embed``; 0.829 before it).
DUPLICATE_SIMILARITY: float = 0.842

#: The duplicate test of :func:`duplicate_score` compares the most similar same-category garment
#: (cosine ``s1``) with the second most similar (``s2``), as Lowe's (2004) nearest / second-nearest
#: ratio test does: a new garment repeats its nearest when ``s1 - DUPLICATE_SECOND_WEIGHT *
#: max(s2, DUPLICATE_SECOND_FLOOR) >= DUPLICATE_MARGIN``. A garment much nearer one garment than any
#: other is flagged at a lower cosine; one as near several alike garments is not. The floor keeps a
#: small closet, whose second garment may be far, from flagging at low cosines. Chosen on the
#: calibration split (weight 0.5/0.75/1 x floor 0.5-0.8; the margin: the lowest keeping precision
#: >= 0.95 in its closet of 244): recall 0.707 -> 0.793 against the cosine alone; the floor 0.7
#: rather than 0.5-0.6 because with those the precision fell to 0.90-0.91 in closets of 100.
DUPLICATE_SECOND_WEIGHT: float = 0.75
#: See :data:`DUPLICATE_SECOND_WEIGHT`.
DUPLICATE_SECOND_FLOOR: float = 0.70
#: See :data:`DUPLICATE_SECOND_WEIGHT`.
DUPLICATE_MARGIN: float = 0.243

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

#: Share of :func:`personal_rerank`'s scores given to the person's own garments. With
#: :data:`PERSONAL_TAU` and ``k = 5``: the best of a grid (k 3/5/10, weight 0.3-0.85, tau 0.02-0.3)
#: on the calibration split's corrections replay.
PERSONAL_WEIGHT: float = 0.5
#: Temperature of the neighbours' similarity kernel ``exp((s - s_max) / tau)`` in :func:`personal_rerank`.
PERSONAL_TAU: float = 0.05


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


def personal_rerank(
    guesses: list[Guess],
    embedding: np.ndarray,
    neighbours: Sequence[tuple[np.ndarray, str, str | None]],
    *,
    k: int = 5,
    weight: float = PERSONAL_WEIGHT,
    tau: float = PERSONAL_TAU,
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

    Args:
        guesses: the classifier's guesses, best first (``GarmentInstance.guesses``).
        embedding: float (D,) unit-norm embedding of the new garment.
        neighbours: the person's garments: (embedding (D,) unit norm, category slug, type slug or None).
        k: neighbours that vote (at most).
        weight: share of the score given to the neighbours' vote, in [0, 1].
        tau: temperature of the similarity kernel (cosine units, > 0).
    Returns:
        ``max(len(guesses), 1)`` :class:`Guess` best first, scores rounded to 4 decimals; the
        guesses unchanged (a copy of the list) when there are no neighbours or ``weight`` is 0.
    Raises:
        ValueError: ``weight`` outside [0, 1], ``k`` < 1 or ``tau`` <= 0, or embeddings of
            different lengths.
    """
    if not 0.0 <= weight <= 1.0 or k < 1 or tau <= 0:
        raise ValueError(f"need 0 <= weight <= 1, k >= 1, tau > 0; got {weight}, {k}, {tau}")
    if not neighbours or weight == 0.0:
        return list(guesses)
    matrix = np.stack([np.asarray(e, dtype=np.float32) for e, _, _ in neighbours])
    sims = cosine_matrix(embedding, matrix)[0]
    votes, _ = _vote(sims, [(c, t) for _, c, t in neighbours], k, tau)
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

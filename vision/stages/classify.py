"""Stage ``classify``: the category and type of each garment, and the model's top guesses.

Fills ``GarmentInstance.category``, ``type``, ``score``, ``classifier_score`` and ``guesses``,
finalises ``detector_score``, and merges instances that end in the same category.

1. preprocess: one crop per instance: its box with the background, as the classifier was trained
   (CCP box crops); the whole photo for a single-item photo's instance (``detector_category`` empty),
   as the clothing-dataset photos it was trained on (already classified by the ``scene`` stage when
   it ran: those probabilities are reused). Each is letterboxed to the model's input size and
   scaled as the model expects (``model.prepare``).
2. infer: the type classifier (``classifier.pt``, shared with ``scene``), calibrated probabilities
   averaged over each crop and its mirror image (``flip_tta``, a test-time augmentation costing
   one more pass).
3. postprocess: :meth:`ClassifyStage.decide` and :meth:`ClassifyStage.guesses` from the detector's
   category and score and the type probabilities; then two instances that end in the same category
   become one (masks united, box recomputed), the higher-scoring one's answer kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vision import presets, taxonomy
from vision.checkpoints import load_shared_model
from vision.contract import GarmentInstance, Guess
from vision.datasets import mask_box
from vision.fuse import for_inference
from vision.registry import get_architecture
from vision.stages import PhotoContext


class ClassifyStage:
    """The ``classify`` stage; build it with :func:`build`.

    Args:
        model: a registered type classifier in eval mode on ``device``; its labels are type slugs.
        detector_weight: ``w`` of :meth:`decide`, the detector's share of a category's score.
        flip_tta: average the probabilities over each crop and its mirror image.
    """

    name = "classify"
    requires: tuple[str, ...] = ("detect",)
    runs_after: tuple[str, ...] = ("scene",)

    def __init__(self, model, device: torch.device, detector_weight: float = 0.5, flip_tta: bool = True):
        self.model = model
        self.device = device
        self.type_slugs: list[str] = list(model.spec.labels)
        self.detector_weight = detector_weight
        self.flip_tta = flip_tta
        # (n_categories + 1, n_types) 0/1 matrix: which classifier types belong to which category id
        # (1 + index in taxonomy.CATEGORY_SLUGS; row 0 is background).
        self._type_category = torch.zeros(len(taxonomy.CATEGORIES) + 1, len(self.type_slugs))
        for j, slug in enumerate(self.type_slugs):
            self._type_category[1 + taxonomy.CATEGORY_SLUGS.index(taxonomy.category_of_type(slug)), j] = 1

    # 1. preprocess
    def preprocess(self, crops: list[Image.Image]) -> torch.Tensor:
        """float32 (N or 2N, 3, s, s) on the device, ``s`` the model's input size: the crops
        letterboxed (:func:`vision.presets.letterbox`), then their mirror images when ``flip_tta``."""
        size = self.model.input_size
        x = self.model.prepare(torch.stack([presets.to_uint8_chw(presets.letterbox(c, size)) for c in crops]))
        return torch.cat([x, x.flip(-1)]) if self.flip_tta else x

    # 2. inference
    @torch.no_grad()
    def infer(self, x: torch.Tensor) -> torch.Tensor:
        """Type probabilities float32 (N, n_types) on the CPU of a :meth:`preprocess` batch (the
        model's calibrated probabilities, averaged over each crop and its mirror image)."""
        probs = self.model.predict(x)[0].float().cpu()
        return probs.view(2, len(x) // 2, -1).mean(0) if self.flip_tta else probs

    def probabilities(self, crops: list[Image.Image]) -> torch.Tensor:
        """Type probabilities float32 (N, n_types), columns in ``type_slugs`` order, of N RGB crops
        (preprocess and inference, at most :data:`vision.presets.MAX_BATCH` pictures at once)."""
        if not crops:
            return torch.zeros((0, len(self.type_slugs)))
        step = max(1, presets.MAX_BATCH // (2 if self.flip_tta else 1))
        return torch.cat([self.infer(self.preprocess(crops[i : i + step])) for i in range(0, len(crops), step)])

    # 3. postprocess
    def _category_id(self, category: str | None) -> int:
        return 1 + taxonomy.CATEGORY_SLUGS.index(category) if category else 0

    def _ranked(self, det_class: int, det_score: float, probs: torch.Tensor) -> list[tuple[float, int, int]]:
        """Every (score, category id, type index or -1) pair, best first (see :meth:`decide`)."""
        mass = self._type_category @ probs
        combined = (1 - self.detector_weight) * mass if det_class else mass.clone()
        if det_class:
            combined[det_class] += self.detector_weight * det_score
        pairs: list[tuple[float, int, int]] = []
        for cat in range(1, combined.numel()):
            members = self._type_category[cat].nonzero().flatten().tolist()
            if not members or float(mass[cat]) <= 0:
                pairs.append((float(combined[cat]), cat, -1))
                continue
            for j in members:
                pairs.append((float(combined[cat]) * float(probs[j]) / float(mass[cat]), cat, j))
        return sorted(pairs, key=lambda t: -t[0])

    def _decide(self, det_class: int, det_score: float, probs: torch.Tensor) -> tuple[int, int, float]:
        """:meth:`decide` on category ids: (category id, type index or -1, score)."""
        score, cat, type_idx = self._ranked(det_class, det_score, probs)[0]
        return cat, type_idx, score

    def decide(
        self, detector_category: str | None, detector_score: float, probs: torch.Tensor
    ) -> tuple[str, str | None, float]:
        """Category and type of one instance from both models: the most probable (category, type).

        Score of category c: ``C(c) = w * detector_score * [c == detector_category] + (1 - w) * P(c)``,
        ``P(c)`` the sum of the classifier's probabilities of the types of c and ``w =
        detector_weight``; with no detector opinion (``detector_category`` None or empty) ``C = P``
        (``w = 0``). Score of a pair (c, t): ``C(c) * p(t) / P(c)``, C split among the category's types
        in proportion to the classifier's probabilities; a category whose types the classifier does
        not know is one pair with no type, scored ``C(c)``. The answer is the best-scoring pair, its
        score the pair's: with no detector opinion it is the classifier's calibrated probability of
        that type, the name shown to the user, so a 0.93 is right about 93 % of the time.

        Args:
            detector_category: category slug, or None/"" for none.
            detector_score: the detector's score in [0, 1] (ignored without a category).
            probs: float (n_types,) classifier probabilities in ``type_slugs`` order.
        Returns:
            (category slug, type slug or None, score, unrounded).
        Raises:
            ValueError: for a category slug outside the taxonomy.
        """
        cat, type_idx, score = self._decide(self._category_id(detector_category), detector_score, probs)
        return taxonomy.CATEGORY_SLUGS[cat - 1], self.type_slugs[type_idx] if type_idx >= 0 else None, score

    def _guesses(self, det_class: int, det_score: float, probs: torch.Tensor, k: int) -> list[Guess]:
        return [
            Guess(
                taxonomy.CATEGORY_SLUGS[cat - 1],
                self.type_slugs[j] if j >= 0 else None,
                round(min(1.0, max(0.0, score)), 4),
            )
            for score, cat, j in self._ranked(det_class, det_score, probs)[:k]
        ]

    def guesses(
        self, detector_category: str | None, detector_score: float, probs: torch.Tensor, k: int = 3
    ) -> list[Guess]:
        """The ``k`` most likely (category, type) pairs of one instance, best first, scored as in
        :meth:`decide` (the first is its answer). Arguments as :meth:`decide`. Returns ``k``
        :class:`Guess` with scores in [0, 1] rounded to 4 decimals."""
        return self._guesses(self._category_id(detector_category), detector_score, probs, k)

    def crops(self, ctx: PhotoContext) -> list[Image.Image]:
        """One RGB crop per instance of ``ctx``: the box, or the whole photo for a whole-photo item."""
        return [
            ctx.image if not inst.detector_category else ctx.image.crop(inst.box) for inst in ctx.analysis.instances
        ]

    def postprocess(self, ctx: PhotoContext, probs: torch.Tensor) -> None:
        """Fill each instance's answer from its probabilities (rows in instance order), then merge
        instances of the same category (the higher score's answer kept, in descending score)."""
        for inst, p in zip(ctx.analysis.instances, probs):
            det_class, det_score = self._category_id(inst.detector_category), inst.detector_score
            cat, type_idx, score = self._decide(det_class, det_score, p)
            inst.category = taxonomy.CATEGORY_SLUGS[cat - 1]
            inst.type = self.type_slugs[type_idx] if type_idx >= 0 else None
            inst.score = round(score, 4)
            inst.detector_score = round(det_score if det_class == cat else 0.0, 4)
            inst.classifier_score = round(float(p[type_idx]) if type_idx >= 0 else 0.0, 4)
            inst.guesses = self._guesses(det_class, det_score, p, 3)
        ctx.analysis.instances = merge_same_category(ctx.analysis.instances)

    def __call__(self, ctx: PhotoContext) -> None:
        """Classify every instance of ``ctx`` (see the module docstring); a whole-photo instance
        reuses the ``scene`` stage's probabilities of the whole photo when it left them."""
        whole = ctx.store.get("whole_probs")
        instances = ctx.analysis.instances
        todo = [i for i, inst in enumerate(instances) if inst.detector_category or whole is None]
        crops = self.crops(ctx)
        computed = self.probabilities([crops[i] for i in todo])
        probs = [whole] * len(instances)
        for row, i in enumerate(todo):
            probs[i] = computed[row]
        self.postprocess(ctx, torch.stack(probs) if probs else computed)


def merge_same_category(instances: list[GarmentInstance]) -> list[GarmentInstance]:
    """One instance per category: in descending ``score`` (stable), the first of a category is
    kept and later ones are united into its mask (its box recomputed). Returns the kept instances
    in that order."""
    merged: dict[str, GarmentInstance] = {}
    for inst in sorted(instances, key=lambda i: -i.score):
        if inst.category in merged:
            keep = merged[inst.category]
            keep.mask = np.logical_or(keep.mask, inst.mask)
            keep.box = mask_box(keep.mask)
        else:
            merged[inst.category] = inst
    return list(merged.values())


def build(
    weights_dir: Path, device: torch.device, detector_weight: float = 0.5, flip_tta: bool = True
) -> ClassifyStage:
    """Load ``classifier.pt`` from ``weights_dir`` onto ``device``; options as :class:`ClassifyStage`.

    Raises FileNotFoundError when the file is missing, ValueError when it is not a classifier
    checkpoint or its labels are not types of the taxonomy.
    """
    model = for_inference(load_shared_model(Path(weights_dir) / "classifier.pt", device))
    if get_architecture(model.spec.arch).task != "classifier":
        raise ValueError(f"classifier.pt holds a {model.spec.arch!r}, not a classifier")
    unknown = [s for s in model.spec.labels if s not in taxonomy.TYPE_BY_SLUG]
    if unknown:
        raise ValueError(f"classifier.pt labels are not taxonomy types: {unknown}")
    return ClassifyStage(model, device, detector_weight, flip_tta)

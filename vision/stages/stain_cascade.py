"""The stain stage's later tiers (steps 2b and 5 of :mod:`vision.stages.stain`, described there):
more views for a garment whose first two views may disagree, and the closer look at a near miss.

:class:`StainCascade` is a mixin of :class:`vision.stages.stain.StainStage`: its methods use the
stage's ``model``, ``decision``, ``zoom``, ``views`` and its steps 1-4 and 6.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from vision.contract import GarmentInstance, StainFinding


class StainCascade:
    """Steps 2b (:meth:`viewed`) and 5 (:meth:`rechecked_finding`) of the stain stage."""

    # 5. recheck
    def recheck_tier(self, score: float) -> tuple[float, bool] | None:
        """``(close score threshold, mirrored)`` of the second look for a garment not found whose
        first score is ``score``: ``zoom["recheck"]``'s own (unmirrored) from its ``min_score`` up,
        its ``band``'s (mirrored) from the band's ``min_score`` up to that; None: not looked at."""
        r = (self.zoom or {}).get("recheck")
        if not r:
            return None
        if score >= r["min_score"]:
            return r["score_threshold"], False
        band = r.get("band")
        if band and score >= band["min_score"]:
            return band["score_threshold"], True
        return None

    def near_miss_look(
        self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray, score: float, mirror: bool = False
    ):
        """``(square, close map)`` of the region where ``prob`` (float32 (h, w) over ``inst``'s box,
        first look) is at least half its ``score``: :meth:`zoom_box` at that level, seen once
        unmirrored (:meth:`look` with ``mirror=False``: half the cost of the mirrored look) or, with
        ``mirror``, mirrored too; None when there is no square to look at."""
        x0, y0, x1, y1 = inst.box
        sq = self.zoom_box(prob, inst.mask[y0:y1, x0:x1], level=score / 2)
        return None if sq is None else (sq, self.look(rgb, inst, sq, mirror=mirror))

    def rechecked_finding(
        self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray, first: StainFinding
    ) -> StainFinding:
        """``first`` unchanged unless it is a near miss: not found, with a :meth:`recheck_tier`. A
        near miss is looked at closer (:meth:`near_miss_look`, mirrored in the band); it is found
        when the close map's score (highest 3x3 mean) reaches the tier's threshold, with the outline
        of ``prob`` whose square is replaced by the close map and that close score."""
        tier = None if first.found else self.recheck_tier(first.score)
        if tier is None:
            return first
        seen = self.near_miss_look(rgb, inst, prob, first.score, mirror=tier[1])
        if seen is None:
            return first
        (bx0, by0, bx1, by1), sub = seen
        close = float(cv2.blur(sub, (3, 3)).max()) if sub.size else 0.0
        if close < tier[0]:
            return first
        out = prob.copy()
        out[by0:by1, bx0:bx1] = sub
        again = self.outlined(rgb, inst, out, close)
        return first if again is None else again

    # 2b. more views
    def viewed(self, rgb: np.ndarray, inst: GarmentInstance, prob: np.ndarray, first: StainFinding):
        """Step 2b: ``(map, finding)`` of ``inst`` seen also flipped vertically and both ways when its
        first score (``first``, of ``prob`` float32 (h, w)) could reach ``views["score_threshold"]``,
        decided at that threshold; None without :attr:`views` or when the first score is too low."""
        if not self.views or first.score < 2 * self.views["score_threshold"] - 1:
            return None
        n = 2 if getattr(self.model, "mirror", False) else 1
        extra = 0
        for size in self.scales():
            x, places = self.preprocess(rgb, [inst], size)
            x = self.model.prepare(x)
            with torch.no_grad():
                maps = [self.model.predict(x.flip(d)).flip(d)[0].cpu().numpy() for d in ((-2,), (-2, -1))]
            extra = extra + sum(self.box_probabilities(m, places[0], inst.box, size) for m in maps)
        x0, y0, x1, y1 = inst.box
        seen = (n * prob + extra / len(self.scales()) * inst.mask[y0:y1, x0:x1]) / (n + 2)
        return seen, self.finding(seen, inst, rgb.shape[:2], score_threshold=self.views["score_threshold"])

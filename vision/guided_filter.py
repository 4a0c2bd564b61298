"""The guided filter: edge-preserving smoothing of a map that follows the edges of a guide picture.

He, Sun and Tang, "Guided Image Filtering", ECCV 2010 (and IEEE TPAMI 35(6), 2013), algorithm 1 for
a grey guide and equations (19)-(21) for a colour guide: in every window of side ``2 r + 1`` the
output is a linear function of the guide's colour, ``q = a . I + b``, fitted to the input map ``p``
by ridge regression (``eps`` the ridge on ``a``); each pixel's output averages the functions of the
windows that hold it. A map that is blurry where the guide has an edge (an upsampled segmentation)
comes out with its edge where the guide's is; ``eps`` sets how strong an edge must be to be
followed (in the guide's units squared: colours in [0, 1] here).

Plain NumPy and OpenCV box filters (O(pixels), whatever ``r``); no torch. Used by the stain stage to
sharpen a found stain's outline along the colour edge of the stain in the photo
(:mod:`vision.stages.stain`, step 6).
"""

from __future__ import annotations

import cv2
import numpy as np


def _mean(a: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(a, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def _coefficients(guide: np.ndarray, p: np.ndarray, r: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The window-averaged linear coefficients ``(mean a, mean b)`` of the filter: ``a`` (H, W) for a
    grey guide, (H, W, 3) for a colour one; ``b`` (H, W)."""
    mp = _mean(p, r)
    if guide.ndim == 2:  # algorithm 1
        mi = _mean(guide, r)
        a = (_mean(guide * p, r) - mi * mp) / (_mean(guide * guide, r) - mi * mi + eps)
        return _mean(a, r), _mean(mp - a * mi, r)
    mi = np.stack([_mean(guide[..., c], r) for c in range(3)], -1)
    cov_ip = np.stack([_mean(guide[..., c] * p, r) for c in range(3)], -1) - mi * mp[..., None]
    sigma = np.empty(p.shape + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            sigma[..., i, j] = sigma[..., j, i] = _mean(guide[..., i] * guide[..., j], r) - mi[..., i] * mi[..., j]
    sigma += np.float32(eps) * np.eye(3, dtype=np.float32)
    a = np.linalg.solve(sigma, cov_ip[..., None])[..., 0]  # (19): (Sigma + eps U)^-1 cov(I, p)
    b = mp - (a * mi).sum(-1)  # (20)
    return np.stack([_mean(a[..., c], r) for c in range(3)], -1), _mean(b, r)


def guided_filter(guide: np.ndarray, p: np.ndarray, r: int, eps: float, scale: int = 1) -> np.ndarray:
    """Filter ``p`` float32 (H, W) guided by ``guide`` float32 (H, W, 3) (colour, values in [0, 1])
    or (H, W) (grey): float32 (H, W), the same scale as ``p``.

    Args:
        r: the window's radius in pixels (the window is ``2 r + 1`` pixels wide), >= 1.
        eps: the ridge on the local linear coefficients, > 0 (guide units squared).
        scale: with ``scale`` > 1, the fast guided filter (He and Sun, "Fast Guided Filter",
            arXiv:1505.00996, 2015): the coefficients are fitted on guide and map shrunk ``scale``
            times (radius ``r / scale``) and brought back bilinearly, then applied to the full guide,
            so the output keeps the guide's edges at full resolution for about ``1 / scale**2`` of
            the cost.

    Raises ValueError when the shapes do not match or ``r < 1`` or ``eps <= 0`` or ``scale < 1``.
    """
    if r < 1 or eps <= 0 or scale < 1:
        raise ValueError(f"the guided filter needs r >= 1, eps > 0 and scale >= 1, got r={r}, eps={eps}, scale={scale}")
    if guide.shape[:2] != p.shape:
        raise ValueError(f"guide {guide.shape} and map {p.shape} differ in size")
    guide = guide.astype(np.float32, copy=False)
    p = p.astype(np.float32, copy=False)
    if scale == 1:
        a, b = _coefficients(guide, p, r, eps)
    else:
        h, w = p.shape
        small = (max(1, round(w / scale)), max(1, round(h / scale)))
        a, b = _coefficients(
            cv2.resize(guide, small, interpolation=cv2.INTER_AREA),
            cv2.resize(p, small, interpolation=cv2.INTER_AREA),
            max(1, round(r / scale)),
            eps,
        )
        a, b = (
            cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR),
            cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR),
        )
    return (a * guide if guide.ndim == 2 else (a * guide).sum(-1)) + b  # (21)

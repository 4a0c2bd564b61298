"""Procedural synthetic stains on clean garment photos: the stain model's training and test data.

    sample = add_stain(rgb, garment_mask, seed)     # StainSample(image, mask, kind, area)

The recipe is this project's own (no published recipe was followed); it imitates what a stain
looks like on a photo of a garment:

* **Shape**: a main blob whose edge radius varies with the angle (a sum of random harmonics 2..7,
  Fourier-perturbed circle) and with a smooth 2-D noise field (bilinear-upsampled Gaussian noise), so
  no two outlines are alike; elongated (aspect up to 1:4, any angle) for the smeared kinds
  (grass, make-up); plus satellite droplets (smaller perturbed blobs) around it for the splashed
  kinds (wine, coffee, ink). The blob's area is drawn log-uniformly in
  [:data:`MIN_AREA`, :data:`MAX_AREA`] of the garment's pixels; its centre is a garment pixel.
* **Edge**: diffused: the coverage falls smoothly (smoothstep) over an edge band of 6-25 % of the
  blob's radius; **rim**: coffee and wine dry with a darker ring at the edge (the "coffee-ring
  effect", Deegan et al., Nature 1997), drawn as extra density in the outer part of the band.
* **Colour and translucency**: each kind has a substance colour (ranges below); the stain is laid
  as a partly multiplicative blend, ``stained = fabric * colour / 255`` mixed with the colour
  modulated by the fabric's own luminance, then alpha-blended with the coverage times an opacity, so
  the fabric's weave, folds and shading show through. Oil darkens the fabric (no hue of its own).
  The density varies inside the stain (a noise field), as a liquid soaks unevenly.
* **Visibility**: a stain must change its pixels by at least :data:`MIN_VISIBLE` grey levels on
  average (an invisible stain is not something a user or a model can see); otherwise it is drawn
  again (other kind/colour), up to 6 times, then laid at full opacity.

The returned ``mask`` is True where the coverage is at least :data:`MASK_LEVEL` and the pixel is on
the garment; only those pixels are changed (``image`` equals the input elsewhere). Everything is
drawn from ``numpy.random.default_rng(seed)``: the same seed and inputs give the same stain.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

KINDS = ("coffee", "wine", "oil", "ink", "grass", "makeup")
MIN_AREA, MAX_AREA = 0.002, 0.08  # of the garment's pixels: the main blob's area
MASK_LEVEL = 0.2  # coverage from which a pixel is a stain pixel (and is changed)
MIN_VISIBLE = 8.0  # grey levels: least mean absolute change over the stain's pixels

# Substance colours: (low RGB, high RGB) drawn uniformly per channel; opacity range; rim strength
# range; shape: elongation range (1: round), satellite droplets (max count); edge band (fraction of
# the radius).
RECIPES: dict[str, dict] = {
    "coffee": {
        "rgb": ((95, 60, 30), (150, 105, 65)),
        "opacity": (0.45, 0.85),
        "rim": (0.3, 0.8),
        "elong": (1.0, 1.5),
        "satellites": 4,
        "edge": (0.06, 0.18),
    },
    "wine": {
        "rgb": ((90, 15, 40), (150, 45, 85)),
        "opacity": (0.5, 0.9),
        "rim": (0.15, 0.5),
        "elong": (1.0, 1.8),
        "satellites": 7,
        "edge": (0.06, 0.16),
    },
    "oil": {
        "rgb": ((120, 110, 85), (165, 150, 115)),
        "opacity": (0.5, 0.9),
        "rim": (0.0, 0.15),
        "elong": (1.0, 1.6),
        "satellites": 2,
        "edge": (0.12, 0.25),
    },
    "ink": {
        "rgb": ((15, 20, 60), (50, 60, 140)),
        "opacity": (0.6, 0.95),
        "rim": (0.0, 0.3),
        "elong": (1.0, 2.0),
        "satellites": 6,
        "edge": (0.04, 0.12),
    },
    "grass": {
        "rgb": ((55, 90, 25), (110, 150, 60)),
        "opacity": (0.45, 0.85),
        "rim": (0.0, 0.2),
        "elong": (2.0, 4.0),
        "satellites": 1,
        "edge": (0.10, 0.25),
    },
    "makeup": {
        "rgb": ((150, 30, 50), (225, 170, 140)),
        "opacity": (0.55, 0.95),
        "rim": (0.0, 0.2),
        "elong": (1.5, 3.5),
        "satellites": 0,
        "edge": (0.08, 0.22),
    },
}


@dataclass
class StainSample:
    """A photo with a synthetic stain: ``image`` uint8 (H, W, 3) RGB; ``mask`` bool (H, W), True on
    stain pixels (all inside the garment); ``kind`` one of :data:`KINDS`; ``area`` the mask's share of
    the garment's pixels."""

    image: np.ndarray
    mask: np.ndarray
    kind: str
    area: float


def smooth_noise(h: int, w: int, cell: float, rng: np.random.Generator) -> np.ndarray:
    """float32 (h, w) smooth noise, zero mean, std about 1: Gaussian noise on a grid of ``cell``
    pixels, bicubic-upsampled."""
    gh, gw = max(2, int(np.ceil(h / cell)) + 1), max(2, int(np.ceil(w / cell)) + 1)
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    field = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    return field / max(1e-6, float(field.std()))


def _blob(h: int, w: int, cy: float, cx: float, radius: float, elong: float, edge: float, rng) -> np.ndarray:
    """float32 (h, w) coverage in [0, 1] of one perturbed blob centred at (cy, cx) (pixels) of mean
    radius ``radius``, elongation ``elong`` at a random angle, edge band ``edge`` (fraction of the radius)."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    theta0 = rng.uniform(0, np.pi)
    dy, dx = ys - cy, xs - cx
    u = dx * np.cos(theta0) + dy * np.sin(theta0)
    v = -dx * np.sin(theta0) + dy * np.cos(theta0)
    s = np.sqrt(elong)
    u, v = u / s, v * s  # area kept: the ellipse's semi-axes are radius*s and radius/s
    r = np.sqrt(u * u + v * v) + 1e-6
    ang = np.arctan2(v, u)
    edge_r = np.ones_like(r)
    for k in range(2, 8):
        edge_r += rng.uniform(0, 0.22 / k**0.7) * np.cos(k * ang + rng.uniform(0, 2 * np.pi))
    noise = smooth_noise(h, w, max(3.0, radius / 2.5), rng)
    d = r / radius - edge_r - 0.12 * noise  # < 0 inside
    band = max(edge, 1.2 / radius)
    t = np.clip(0.5 - d / band, 0, 1)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def _coverage(garment: np.ndarray, kind: str, area: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Coverage float32 (H, W) and rim weight float32 (H, W) of one stain on ``garment``."""
    recipe = RECIPES[kind]
    h, w = garment.shape
    n = float(garment.sum())
    radius = max(1.5, np.sqrt(area * n / np.pi))
    ys, xs = np.nonzero(garment)
    j = int(rng.integers(len(ys)))
    cy, cx = float(ys[j]), float(xs[j])
    elong = rng.uniform(*recipe["elong"])
    edge = rng.uniform(*recipe["edge"])
    reach = int(radius * (np.sqrt(elong) * 1.6 + 2.5)) + 4  # the blob and its satellites fit here
    y0, y1, x0, x1 = (
        max(0, int(cy) - reach),
        min(h, int(cy) + reach + 1),
        max(0, int(cx) - reach),
        min(w, int(cx) + reach + 1),
    )
    ph, pw = y1 - y0, x1 - x0
    cov = _blob(ph, pw, cy - y0, cx - x0, radius, elong, edge, rng)
    for _ in range(int(rng.integers(0, recipe["satellites"] + 1))):
        ang, dist = rng.uniform(0, 2 * np.pi), radius * rng.uniform(1.1, 2.2)
        sr = radius * rng.uniform(0.08, 0.3)
        if sr < 1.2:
            continue
        sy, sx = cy - y0 + dist * np.sin(ang), cx - x0 + dist * np.cos(ang)
        cov = np.maximum(cov, _blob(ph, pw, sy, sx, sr, rng.uniform(1, 1.6), edge, rng))
    # the coffee ring: extra density where the coverage is in its outer band (0 < cov < 1)
    rim = np.clip(1 - np.abs(cov - 0.55) / 0.45, 0, 1) * (cov > 0)
    full_cov, full_rim = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    full_cov[y0:y1, x0:x1], full_rim[y0:y1, x0:x1] = cov, rim
    return full_cov * garment, full_rim * garment


def _lay(rgb: np.ndarray, alpha: np.ndarray, colour: np.ndarray, kind: str, rim: np.ndarray, rim_strength: float):
    """Blend the stain colour into ``rgb`` (float32 (H, W, 3), 0..255) with per-pixel ``alpha``."""
    lum = (rgb @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    if kind == "oil":  # oil darkens the fabric, keeping its hue
        stained = rgb * (colour / 255.0) * 0.85
    else:
        multiply = rgb * (colour / 255.0)
        tinted = colour * (0.55 + 0.45 * lum / 255.0)  # the colour, shaded by the fabric's light and weave
        stained = 0.5 * multiply + 0.5 * tinted
    stained = stained * (1 - 0.35 * rim_strength * rim[..., None])  # darker rim
    return rgb + alpha[..., None] * (stained - rgb)


def add_stain(
    rgb: np.ndarray,
    garment: np.ndarray,
    seed: int | np.random.Generator,
    kind: str | None = None,
    area: float | None = None,
) -> StainSample:
    """Lay one synthetic stain on the garment of a photo (see the module docstring for the recipe).

    Args:
        rgb: uint8 (H, W, 3) RGB photo (or crop) of a clean garment.
        garment: bool (H, W), the garment's pixels (the stain stays inside them); at least 1 pixel.
        seed: an int seed or a NumPy Generator (drawn from; the result is reproducible from a seed).
        kind: one of :data:`KINDS`; None: drawn uniformly.
        area: the main blob's area as a share of the garment's pixels; None: drawn log-uniformly in
            [MIN_AREA, MAX_AREA].
    Returns:
        :class:`StainSample`; ``image`` differs from ``rgb`` only on ``mask``'s pixels.
    Raises:
        ValueError: the shapes disagree, the garment is empty, or ``kind`` is unknown.
    """
    if rgb.shape[:2] != garment.shape or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb {rgb.shape} and garment {garment.shape} must be (H, W, 3) and (H, W)")
    if not garment.any():
        raise ValueError("the garment mask is empty")
    if kind is not None and kind not in RECIPES:
        raise ValueError(f"unknown stain kind {kind!r}; known: {KINDS}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    garment = garment.astype(bool)
    src = rgb.astype(np.float32)
    best = None
    for attempt in range(6):
        k = kind or KINDS[int(rng.integers(len(KINDS)))]
        recipe = RECIPES[k]
        a = area if area is not None else float(np.exp(rng.uniform(np.log(MIN_AREA), np.log(MAX_AREA))))
        cov, rim = _coverage(garment, k, a, rng)
        mask = cov >= MASK_LEVEL
        if not mask.any():
            continue
        lo, hi = recipe["rgb"]
        colour = np.array([rng.uniform(lo[c], hi[c]) for c in range(3)], np.float32)
        opacity = rng.uniform(*recipe["opacity"]) if attempt < 5 else 1.0
        density = np.clip(1 + 0.15 * smooth_noise(*garment.shape, max(2.0, np.sqrt(mask.sum()) / 4), rng), 0.6, 1.2)
        alpha = np.clip(cov * opacity * density, 0, 1) * mask
        out = _lay(src, alpha, colour, k, rim * mask, rng.uniform(*recipe["rim"]))
        out = np.clip(np.rint(out), 0, 255).astype(np.uint8)
        out[~mask] = rgb[~mask]
        change = float(np.abs(out[mask].astype(np.float32) - src[mask]).mean())
        best = (out, mask, k)
        if change >= MIN_VISIBLE:
            break
    if best is None:  # the garment is too small for any blob: one pixel
        raise ValueError("the garment is too small to hold a stain")
    out, mask, k = best
    return StainSample(out, mask, k, float(mask.sum()) / float(garment.sum()))

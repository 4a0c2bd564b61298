"""Dominant colours of a garment and their human names.

The dominant colours are Pillow's median-cut quantisation (Heckbert, "Color image quantization
for frame buffer display", SIGGRAPH 1982) of the pixels inside the mask. Names come from the
nearest entry of a small palette in CIELAB (CIE 1976 L*a*b*, D65 white), where Euclidean distance
roughly follows perceived difference. The palette is :data:`vocabulary.palette.PALETTE`, the app's
one list of colour names.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from vision.contract import Colour
from vocabulary.palette import PALETTE  # noqa: F401  (re-exported: the names colours are given)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB uint8/float (..., 3) in 0..255 -> CIELAB float (..., 3) (D65; IEC 61966-2-1 + CIE 1976)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


_NAMES = list(PALETTE)
_LAB = srgb_to_lab(np.array([PALETTE[n] for n in _NAMES]))


def color_name(rgb) -> str:
    """Human name of an sRGB colour (3 ints 0..255): the nearest PALETTE entry in CIELAB."""
    d = ((_LAB - srgb_to_lab(np.asarray(rgb))) ** 2).sum(-1)
    return _NAMES[int(d.argmin())]


def dominant_colors(image: np.ndarray, mask: np.ndarray, k: int = 3, max_pixels: int = 20000) -> list[Colour]:
    """The ``k`` dominant colours of ``image`` inside ``mask``.

    Args:
        image: uint8 (H, W, 3) RGB.
        mask: bool (H, W); must select at least one pixel.
        k: number of colours (fewer when the garment has fewer distinct colours).
        max_pixels: the mask's pixels are subsampled with a stride of ``n // max_pixels`` (``n`` pixels
            in the mask), so fewer than ``2 * max_pixels`` are quantised.
    Returns:
        list of at most ``k`` :class:`vision.contract.Colour` with distinct names of ``PALETTE``,
        largest first; ``rgb`` is the median-cut cluster's colour (0..255 each) and ``fraction`` its
        share among the returned colours (the fractions sum to 1, each rounded to 4 decimals).
        Pixels are median-cut into ``3 k`` clusters, then clusters sharing a name are merged.
    Raises:
        ValueError: when the mask is empty.
    """
    pixels = image[mask]
    if len(pixels) == 0:
        raise ValueError("empty mask: no pixel to take colours from")
    step = max(1, len(pixels) // max_pixels)
    pixels = pixels[::step]
    strip = Image.fromarray(pixels.reshape(1, -1, 3).astype(np.uint8), "RGB")
    # Quantise finer than k, then merge clusters that share a name, so the k colours differ.
    quant = strip.quantize(colors=3 * k, method=Image.Quantize.MEDIANCUT)
    palette = np.array(quant.getpalette()[: 9 * k]).reshape(-1, 3)
    counts = np.bincount(np.asarray(quant).ravel(), minlength=len(palette))
    by_name: dict[str, list] = {}  # name -> [rgb of its largest cluster, pixel count]
    for idx in np.argsort(-counts):
        if counts[idx] == 0:
            continue
        rgb = tuple(int(v) for v in palette[idx])
        name = color_name(rgb)
        if name in by_name:
            by_name[name][1] += int(counts[idx])
        else:
            by_name[name] = [rgb, int(counts[idx])]
    top = sorted(by_name.items(), key=lambda item: -item[1][1])[:k]
    total = sum(count for _, (_, count) in top)
    return [
        Colour(name=name, rgb=rgb, hex="#{:02x}{:02x}{:02x}".format(*rgb), fraction=round(count / total, 4))
        for name, (rgb, count) in top
    ]

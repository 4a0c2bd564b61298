"""Dominant colours of a garment and their human names.

The dominant colours are Pillow's median-cut quantisation (Heckbert, "Color image quantization
for frame buffer display", SIGGRAPH 1982) of the pixels inside the mask. Names come from the
nearest entry of a small palette in CIELAB (CIE 1976 L*a*b*, D65 white), where Euclidean distance
roughly follows perceived difference.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

# name -> sRGB, chosen for how people describe clothes.
PALETTE: dict[str, tuple[int, int, int]] = {
    "black": (20, 20, 22), "charcoal": (60, 62, 66), "grey": (128, 128, 128),
    "light grey": (190, 190, 192), "white": (245, 245, 242), "cream": (240, 230, 205),
    "beige": (215, 195, 160), "khaki": (170, 155, 110), "camel": (190, 145, 90),
    "tan": (200, 160, 120), "brown": (110, 70, 40), "dark brown": (65, 40, 25),
    "navy": (30, 40, 80), "blue": (40, 80, 180), "denim": (75, 100, 140),
    "light blue": (150, 190, 230), "teal": (0, 120, 120), "turquoise": (60, 200, 200),
    "green": (40, 140, 60), "dark green": (25, 70, 40), "olive": (110, 110, 50),
    "mint": (170, 230, 190), "yellow": (240, 215, 50), "mustard": (200, 160, 40),
    "orange": (235, 120, 40), "coral": (245, 125, 105), "red": (200, 30, 40),
    "burgundy": (110, 20, 40), "pink": (240, 170, 190), "hot pink": (230, 60, 140),
    "purple": (110, 50, 140), "lavender": (190, 170, 220),
}


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


def dominant_colors(image: np.ndarray, mask: np.ndarray, k: int = 3, max_pixels: int = 20000) -> list[dict]:
    """The ``k`` dominant colours of ``image`` inside ``mask``.

    Args:
        image: uint8 (H, W, 3) RGB.
        mask: bool (H, W); must select at least one pixel.
        k: number of colours (fewer when the garment has fewer distinct colours).
        max_pixels: pixels are subsampled evenly to at most this many.
    Returns:
        list of at most ``k`` ``{"rgb": [r, g, b], "hex": "#rrggbb", "name": str, "fraction": float}``
        with distinct names, largest first; ``fraction`` is the share among the returned colours
        (sums to 1). Clusters are median-cut into 3k colours and merged by name.
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
    by_name: dict[str, dict] = {}
    for idx in np.argsort(-counts):
        if counts[idx] == 0:
            continue
        rgb = [int(v) for v in palette[idx]]
        name = color_name(rgb)
        if name in by_name:
            by_name[name]["count"] += int(counts[idx])
        else:
            by_name[name] = {"rgb": rgb, "hex": "#{:02x}{:02x}{:02x}".format(*rgb), "name": name,
                             "count": int(counts[idx])}
    top = sorted(by_name.values(), key=lambda c: -c["count"])[:k]
    total = sum(c["count"] for c in top)
    return [{"rgb": c["rgb"], "hex": c["hex"], "name": c["name"], "fraction": round(c["count"] / total, 4)}
            for c in top]

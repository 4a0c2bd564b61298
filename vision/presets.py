"""Image presets shared by training and serving (as torchvision's references/detection presets).

Everything here works on torch tensors, PIL images or NumPy arrays and has no training-only dependency.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from PIL import Image

# Per-channel mean/std of the clothing-dataset photos, in [0, 1] RGB (measured by vision.pack).
MEAN = (0.60, 0.57, 0.55)
STD = (0.27, 0.27, 0.28)
# Fill colour of letterbox padding, RGB uint8 (= MEAN).
PAD_RGB = tuple(int(round(255 * m)) for m in MEAN)

#: The most pictures (mirror images included) the ``classify`` and ``embed`` stages run through the
#: classifier at once: its activations grow with the batch, and small batches are also quicker on the
#: CPU. ``bench.pipeline`` on 50 real photos, 2 threads, 2026-12-01: one batch per photo (up to 28
#: pictures) peak RSS 1,726-1,767 MiB, median / p95 0.445 / 0.95-0.97 s; at most 8: 1,399 MiB, 0.408 /
#: 0.781 s; at most 4: 1,198-1,210 MiB, 0.372-0.385 / 0.67-0.71 s.
MAX_BATCH = 4
CLASSIFIER_SIZE = 128  # pixels, square classifier input
CLASSIFIER_PACK_SIZE = 144  # pixels, square training pack (random crops of 128 are taken from it)


def letterbox(img: Image.Image, size: int) -> Image.Image:
    """Resize a PIL image to fit a ``size`` x ``size`` square, keeping aspect, padding with PAD_RGB.

    Returns an RGB PIL image of exactly (size, size) pixels.
    """
    img = img.convert("RGB")
    w, h = img.size
    scale = size / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    img = img.resize((nw, nh), Image.BILINEAR)
    canvas = Image.new("RGB", (size, size), PAD_RGB)
    canvas.paste(img, ((size - nw) // 2, (size - nh) // 2))
    return canvas


def to_uint8_chw(img: Image.Image) -> torch.Tensor:
    """PIL RGB image -> uint8 tensor (3, H, W)."""
    return torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.uint8).copy()).permute(2, 0, 1)


def normalize(batch_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 3, H, W) or (3, H, W) -> float32 normalised with MEAN/STD."""
    x = batch_uint8.float().div_(255.0)
    mean = torch.tensor(MEAN, device=x.device).view(-1, 1, 1)
    std = torch.tensor(STD, device=x.device).view(-1, 1, 1)
    return (x - mean) / std


def classifier_input(crops: list[Image.Image]) -> torch.Tensor:
    """Classifier preprocessing: letterbox each crop to CLASSIFIER_SIZE, stack, normalise.

    Returns float32 (N, 3, CLASSIFIER_SIZE, CLASSIFIER_SIZE).
    """
    return normalize(torch.stack([to_uint8_chw(letterbox(c, CLASSIFIER_SIZE)) for c in crops]))


def stain_input(rgb: np.ndarray, garment: np.ndarray, size: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The stain model's input square of a garment crop (the same in training and serving).

    Args:
        rgb: uint8 (h, w, 3), the crop; garment: bool (h, w), its garment pixels.
        size: side of the square, pixels.
    Returns:
        ``(square, (ox, oy, nw, nh))``: uint8 (size, size, 3), the crop resized to fit (aspect kept,
        bilinear; area averaging when shrinking), its off-garment pixels and the letterbox padding
        painted :data:`PAD_RGB`; and where the crop lies in it (offset and size, pixels).
    """
    h, w = garment.shape
    scale = size / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(np.where(garment[..., None], rgb, np.uint8(PAD_RGB)), (nw, nh), interpolation=interp)
    keep = cv2.resize(garment.astype(np.uint8), (nw, nh), interpolation=cv2.INTER_NEAREST).astype(bool)
    small[~keep] = PAD_RGB
    out = np.empty((size, size, 3), np.uint8)
    out[:] = PAD_RGB
    ox, oy = (size - nw) // 2, (size - nh) // 2
    out[oy : oy + nh, ox : ox + nw] = small
    return out, (ox, oy, nw, nh)

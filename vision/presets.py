"""Image presets shared by training and serving (as torchvision's references/detection presets).

Everything here works on torch tensors or PIL images and has no training-only dependency.
"""

from __future__ import annotations

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

"""Synthetic second photos of a garment, for measuring retrieval and duplicate detection.

* :func:`reshoot`: the same garment photographed again: its cutout (the photo's pixels inside its
  mask) laid on a new background (a procedural floor, bedsheet, tiles or wall, or a crop of another
  photo such as a street scene), mirrored or not, rotated, scaled, put in perspective, under other
  light (brightness, contrast, colour temperature), a little blurred, JPEG-encoded again.
* :func:`reupload`: the same photo uploaded again: re-encoded (JPEG quality), resized, cropped by a
  few percent, or stored rotated with an EXIF orientation tag that undoes the rotation.

Both are deterministic given a ``numpy.random.Generator``. Images are PIL RGB; masks bool (H, W).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from vision.datasets import mask_box

REUPLOAD_KINDS = ("jpeg", "resize", "crop", "exif_rotate")


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def background(size: tuple[int, int], rng: np.random.Generator, photos: list[Image.Image] = ()) -> Image.Image:
    """A new RGB background of ``size`` (w, h): a random crop of one of ``photos`` (when given, half
    the time), else a procedural surface: a flat colour with a light gradient and noise, stripes
    (boards, a striped sheet) or a checker (tiles)."""
    w, h = size
    if photos and rng.random() < 0.5:
        src = photos[int(rng.integers(len(photos)))].convert("RGB")
        scale = max(w / src.width, h / src.height) * float(rng.uniform(1.0, 1.6))
        src = src.resize((max(w, round(src.width * scale)), max(h, round(src.height * scale))), Image.BILINEAR)
        x, y = int(rng.integers(src.width - w + 1)), int(rng.integers(src.height - h + 1))
        return src.crop((x, y, x + w, y + h)).filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 2))))
    base = rng.uniform(40, 235, size=3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grad = (xx / w - 0.5) * rng.uniform(-40, 40) + (yy / h - 0.5) * rng.uniform(-40, 40)
    img = base[None, None, :] + grad[..., None]
    kind = rng.integers(3)
    if kind == 1:  # stripes
        period = rng.uniform(12, 60)
        angle = rng.uniform(0, np.pi)
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period
        img += np.sin(2 * np.pi * phase)[..., None] * rng.uniform(8, 30, size=3)
    elif kind == 2:  # tiles
        cell = int(rng.integers(20, 80))
        checker = ((xx // cell + yy // cell) % 2)[..., None]
        img += checker * rng.uniform(-40, 40, size=3)
    img += rng.normal(0, rng.uniform(2, 10), size=img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def reshoot(
    image: Image.Image, mask: np.ndarray, rng: np.random.Generator, photos: list[Image.Image] = ()
) -> Image.Image:
    """The garment of ``image`` inside ``mask`` (bool (H, W), the photo's size, non-empty) on a new
    background (:func:`background`, ``photos`` as there), re-photographed: mirrored half the time,
    rotated by up to 20 degrees, a perspective warp of up to 6 % of its size, filling 45-85 % of
    the new photo's longer side, placed at random; brightness and contrast x 0.75-1.25, colour
    temperature +-8 % (red/blue gains), blur up to 1 px, JPEG quality 60-92. Returns RGB, about
    the original's size (x 0.8-1.2 per side)."""
    x0, y0, x1, y1 = mask_box(mask)
    garment = image.convert("RGB").crop((x0, y0, x1, y1))
    alpha = Image.fromarray((mask[y0:y1, x0:x1] * 255).astype(np.uint8))
    if rng.random() < 0.5:
        garment, alpha = ImageOps.mirror(garment), ImageOps.mirror(alpha)
    gw, gh = garment.size
    d = 0.06 * np.array([gw, gh])
    corners = np.array([[0, 0], [gw, 0], [gw, gh], [0, gh]], np.float32) + rng.uniform(-1, 1, (4, 2)) * d
    coeffs = _perspective_coeffs(corners, np.array([[0, 0], [gw, 0], [gw, gh], [0, gh]], np.float32))
    garment = garment.transform((gw, gh), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    alpha = alpha.transform((gw, gh), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    angle = float(rng.uniform(-20, 20))
    garment = garment.rotate(angle, Image.BILINEAR, expand=True)
    alpha = alpha.rotate(angle, Image.BILINEAR, expand=True)
    w = max(64, round(image.width * rng.uniform(0.8, 1.2)))
    h = max(64, round(image.height * rng.uniform(0.8, 1.2)))
    scale = rng.uniform(0.45, 0.85) * max(w, h) / max(garment.size)
    scale = min(scale, 0.95 * w / garment.width, 0.95 * h / garment.height)
    size = (max(8, round(garment.width * scale)), max(8, round(garment.height * scale)))
    garment, alpha = garment.resize(size, Image.BILINEAR), alpha.resize(size, Image.BILINEAR)
    canvas = background((w, h), rng, photos)
    pos = (int(rng.integers(w - size[0] + 1)), int(rng.integers(h - size[1] + 1)))
    canvas.paste(garment, pos, alpha)
    canvas = ImageEnhance.Brightness(canvas).enhance(float(rng.uniform(0.75, 1.25)))
    canvas = ImageEnhance.Contrast(canvas).enhance(float(rng.uniform(0.75, 1.25)))
    t = float(rng.uniform(-0.08, 0.08))
    arr = np.asarray(canvas).astype(np.float32) * np.array([1 + t, 1.0, 1 - t], np.float32)
    canvas = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    canvas = canvas.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 1))))
    return _jpeg(canvas, int(rng.integers(60, 93)))


def _perspective_coeffs(src: np.ndarray, dst: np.ndarray) -> tuple[float, ...]:
    """PIL's 8 perspective coefficients mapping output points ``dst`` to input points ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return tuple(np.linalg.solve(np.array(rows, np.float64), src.reshape(-1).astype(np.float64)).tolist())


def reupload(image: Image.Image, rng: np.random.Generator, kind: str | None = None) -> Image.Image:
    """``image`` uploaded again, as the app sees it after applying EXIF orientation. ``kind`` (one
    of :data:`REUPLOAD_KINDS`, random when None): ``jpeg`` (quality 50-95), ``resize`` (x 0.4-0.9,
    then quality 85), ``crop`` (1-5 % off each side, quality 85) or ``exif_rotate`` (pixels turned by
    90, 180 or 270 degrees and saved with the EXIF orientation that undoes it; read back with
    ``ImageOps.exif_transpose``). Raises ValueError for an unknown kind."""
    kind = kind or REUPLOAD_KINDS[int(rng.integers(len(REUPLOAD_KINDS)))]
    image = image.convert("RGB")
    if kind == "jpeg":
        return _jpeg(image, int(rng.integers(50, 96)))
    if kind == "resize":
        f = float(rng.uniform(0.4, 0.9))
        return _jpeg(image.resize((max(8, round(image.width * f)), max(8, round(image.height * f))), Image.LANCZOS), 85)
    if kind == "crop":
        w, h = image.size
        c = rng.uniform(0.01, 0.05, size=4)
        return _jpeg(image.crop((round(c[0] * w), round(c[1] * h), w - round(c[2] * w), h - round(c[3] * h))), 85)
    if kind == "exif_rotate":
        # (transpose applied to the pixels, EXIF orientation whose transpose undoes it)
        turn, orientation = [
            (Image.Transpose.ROTATE_90, 6),
            (Image.Transpose.ROTATE_180, 3),
            (Image.Transpose.ROTATE_270, 8),
        ][int(rng.integers(3))]
        exif = Image.Exif()
        exif[0x0112] = orientation
        buf = io.BytesIO()
        image.transpose(turn).save(buf, format="JPEG", quality=90, exif=exif)
        buf.seek(0)
        return ImageOps.exif_transpose(Image.open(buf)).convert("RGB")
    raise ValueError(f"unknown re-upload kind {kind!r}; one of {REUPLOAD_KINDS}")

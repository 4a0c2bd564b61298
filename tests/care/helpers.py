"""What the care-label tests share: a rendered label photo as upload bytes."""

from __future__ import annotations

import io

from bench.care_label_set import blank, sample


def label_jpeg(seed: int = 0) -> bytes:
    """A rendered, "photographed" care label (``bench.care_label_set``, a development seed) as JPEG.
    Seed 0: SIZE 105, acrylic 55 % / polyester 45 %, made in Korea."""
    buf = io.BytesIO()
    sample(seed).image.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def blank_jpeg() -> bytes:
    """A photo of plain fabric: no text at all."""
    buf = io.BytesIO()
    blank(3).save(buf, format="JPEG", quality=90)
    return buf.getvalue()

"""Colour names, dominant colours, and the ``colors`` stage on a real photo. No Django."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES
from vision import colors, datasets, taxonomy
from vision.contract import Colour, GarmentInstance, PhotoAnalysis
from vision.stages import PhotoContext, build_stage


def test_color_names():
    assert colors.color_name((200, 30, 40)) == "red"
    assert colors.color_name((25, 35, 75)) == "navy"
    assert colors.color_name((250, 250, 250)) == "white"
    img = np.zeros((10, 10, 3), dtype=np.uint8)
    img[:, :6] = (200, 30, 40)
    img[:, 6:] = (250, 250, 250)
    mask = np.ones((10, 10), dtype=bool)
    out = colors.dominant_colors(img, mask)
    assert all(isinstance(c, Colour) for c in out)
    assert [c.name for c in out] == ["red", "white"]
    assert out[0].fraction == pytest.approx(0.6, abs=0.01)
    assert out[0].hex == "#%02x%02x%02x" % out[0].rgb
    with pytest.raises(ValueError):
        colors.dominant_colors(img, np.zeros((10, 10), dtype=bool))


def test_palette_is_the_vocabulary_one():
    from vocabulary.palette import PALETTE

    assert colors.PALETTE is PALETTE


def _lightness(name: str) -> float:
    """CIELAB L* (0 black .. 100 white) of a palette colour."""
    return float(colors.srgb_to_lab(np.array(colors.PALETTE[name]))[0])


def _ccp_garment(stem: str, category: str) -> tuple[Image.Image, np.ndarray]:
    """A CCP fixture photo and the ground-truth mask of one of its categories (no model involved)."""
    image = Image.open(DATASETS / "ccp" / "photos" / f"{stem}.jpg").convert("RGB")
    cat_map = datasets.ccp_category_map(datasets.read_ccp_labels(DATASETS / "ccp", stem))
    return image, cat_map == 1 + taxonomy.CATEGORY_SLUGS.index(category)


@pytest.mark.parametrize(
    "category, first, dark",
    [
        ("jacket", "navy", True),  # the navy checked blazer of ccp_0008
        ("shoe", "brown", True),  # its brown suede shoes
        ("shirt-blouse", "white", False),  # its white shirt
    ],
)
def test_colors_stage_names_the_garments_of_a_real_photo(category, first, dark):
    image, mask = _ccp_garment("0008", category)
    assert mask.sum() > 1000
    ctx = PhotoContext(image=image, rgb=np.asarray(image), analysis=PhotoAnalysis(image.width, image.height))
    ctx.analysis.instances = [GarmentInstance(box=datasets.mask_box(mask), mask=mask)]
    stage = build_stage("colors", FIXTURES, "cpu")  # no weights needed
    assert stage.name == "colors"
    stage(ctx)
    found = ctx.analysis.instances[0].colors
    assert 1 <= len(found) <= 3 and len({c.name for c in found}) == len(found)
    assert all(c.name in colors.PALETTE for c in found)
    assert sum(c.fraction for c in found) == pytest.approx(1.0, abs=1e-3)
    assert [c.fraction for c in found] == sorted((c.fraction for c in found), reverse=True)
    assert found[0].name == first, [c.as_dict() for c in found]
    if dark:  # every colour of a dark garment is dark (L* under 45), light for a light one
        assert all(_lightness(c.name) < 45 for c in found), [c.name for c in found]
    else:
        assert _lightness(found[0].name) > 80


def test_colors_stage_option():
    image, mask = _ccp_garment("0008", "jacket")
    ctx = PhotoContext(image=image, rgb=np.asarray(image), analysis=PhotoAnalysis(image.width, image.height))
    ctx.analysis.instances = [GarmentInstance(box=datasets.mask_box(mask), mask=mask)]
    build_stage("colors", FIXTURES, "cpu", n_colors=1)(ctx)
    assert [c.fraction for c in ctx.analysis.instances[0].colors] == [1.0]
    with pytest.raises(ValueError):
        build_stage("colors", FIXTURES, "cpu", n_colors=0)

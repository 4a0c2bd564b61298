"""The export carries a garment's attributes, their scores and confirmations, and the stain with its
mask file (issue 17), read back from ``GET /api/me/export/`` as a client would."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.backup.test_export_complete import _export, _read
from tests.closet.test_attributes import make_garment
from wardrobe.closet import services

pytestmark = pytest.mark.django_db


def test_the_export_holds_attributes_and_the_stain_with_its_mask(user):
    from accounts.services import profile_update

    stained = make_garment(user, attributes={"pattern": ("striped", 0.93), "sleeve": ("long", 0.4)}, stain="real")
    services.garment_update(garment=stained, attributes={"sleeve": "short"})
    services.garment_stain_dismiss(garment=stained)
    jeans = make_garment(
        user, category="pants", type="jeans", attributes={"wash": ("dark", 0.88)}, image="clothing_pants.jpg"
    )
    profile_update(user=user, mix_patterns=True)
    stained.refresh_from_db()

    _data, archive, doc = _export(user)
    assert doc["schema_version"] == 2 and doc["profile"]["mix_patterns"] is True
    items = {i["id"]: i for i in doc["items"]}
    tee, pants = items[stained.pk], items[jeans.pk]
    assert tee["attributes"] == {
        "pattern": "striped",
        "sleeve": "short",
        "neckline": None,
        "fit": None,
        "wash": None,
        "damage": None,
    }
    assert tee["attribute_scores"] == {"pattern": 0.93} and tee["attributes_confirmed"] == ["sleeve"]
    assert (tee["stain_found"], tee["stain_area"], tee["stain_score"], tee["stain_handled"]) == (
        True,
        0.03,
        0.91,
        "dismissed",
    )
    assert tee["stain_mask_file"] == f"stain_masks/{stained.pk}.png"
    assert archive.read(tee["stain_mask_file"]) == _read(stained.stain_mask)
    mask = np.asarray(Image.open(io.BytesIO(archive.read(tee["stain_mask_file"]))).convert("L")) > 127
    assert mask.shape == (stained.photo.height, stained.photo.width) and mask.sum() > 100
    assert pants["attributes"]["wash"] == "dark" and pants["attribute_scores"] == {"wash": 0.88}
    assert pants["stain_found"] is False and pants["stain_mask_file"] is None and pants["stain_score"] is None

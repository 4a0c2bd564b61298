"""process_photo (wardrobe.closet.services) with the real pipeline: the guesses stored with each garment
and each garment filed by the owner's review threshold."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, upload
from tests.vision.test_guesses import _check_guesses, _pair
from vocabulary.attributes import ATTRIBUTE_BY_NAME

pytestmark = pytest.mark.vision


def _process(user, pipeline, name):
    """Upload a fixture photo and process it; returns (photo, {category slug: instance the pipeline gave})."""
    from wardrobe.closet import services

    photo = services.photo_create(owner=user, uploaded_file=upload(name, (FIXTURES / name).read_bytes()))
    given = []

    def recording(image):
        out = list(pipeline(image))
        given.extend(out)
        return out

    result = services.process_photo(photo.pk, recording)
    assert result.status == "done", result.error
    return result, {inst.category: inst for inst in given}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["ccp_0016.jpg", "clothing_tshirt.jpg"])
@pytest.mark.parametrize("threshold", [0.0, 0.75, 1.0])
def test_process_photo_stores_guesses_and_files_by_threshold(user, pipeline, name, threshold):
    from accounts.services import profile_update
    from wardrobe.closet import selectors
    from wardrobe.closet.models import Garment
    from wardrobe.closet.services.garments import mask_is_poor

    classify = pipeline.stage("classify")
    profile_update(user=user, review_threshold=threshold)
    photo, given = _process(user, pipeline, name)
    garments = list(Garment.objects.filter(photo=photo).select_related("category", "type"))
    assert garments and {g.category.slug for g in garments} == set(given)
    for g in garments:
        inst = given[g.category.slug]
        assert g.guesses == [x.as_dict() for x in inst.guesses]
        _check_guesses(inst.guesses, classify)
        first = g.guesses[0]
        assert (first["category"], first["type"]) == (g.category.slug, g.type.slug if g.type else None)
        assert _pair(inst.guesses[0]) == (g.category.slug, g.type.slug if g.type else None)
        assert g.score == pytest.approx(inst.score)
        # A mask the model rates poor waits for review whatever the score (MASK_QUALITY_THRESHOLD), and
        # so does a garment with an attribute (of those that apply to it) scored below the threshold.
        assert g.attribute_scores == {
            n: pytest.approx(v.score, abs=1e-4)
            for n, v in inst.attributes.items()
            if ATTRIBUTE_BY_NAME[n].applies(g.category.slug)
        }
        unsure_attribute = any(score < threshold for score in g.attribute_scores.values())
        confident = g.score >= threshold and threshold < 1 and not mask_is_poor(g.mask_quality) and not unsure_attribute
        expected = Garment.Status.CLOSET if confident else Garment.Status.REVIEW
        assert g.status == expected, (g.category.slug, g.score, g.mask_quality, threshold)
    statuses = {g.status for g in garments}
    if threshold == 0.0:
        assert {g.status for g in garments if not mask_is_poor(g.mask_quality)} <= {Garment.Status.CLOSET}
    if threshold == 1.0:
        assert statuses == {Garment.Status.REVIEW}
    assert selectors.review_count(user=user) == sum(g.status == Garment.Status.REVIEW for g in garments)


@pytest.mark.django_db
def test_review_with_the_real_guesses(user, pipeline):
    """Everything to review, then confirm one garment as its second guess and the rest as they are."""
    from accounts.services import profile_update
    from wardrobe.closet import selectors, services
    from wardrobe.closet.models import Garment

    profile_update(user=user, review_threshold=1.0)
    photo, _ = _process(user, pipeline, "ccp_0008.jpg")
    queue = list(selectors.review_queue(user=user))
    assert len(queue) == photo.garments.count() >= 2
    assert [g.score for g in queue] == sorted((g.score for g in queue), reverse=True)
    target = queue[0]
    alt = target.guesses[1]
    services.garment_confirm(garment=target, category=alt["category"], type=alt["type"])
    target.refresh_from_db()
    assert target.status == Garment.Status.CLOSET
    assert (target.category.slug, target.type.slug if target.type else None) == (alt["category"], alt["type"])
    assert services.photo_confirm_all(photo=photo) == len(queue) - 1
    assert selectors.review_count(user=user) == 0
    assert selectors.garment_list(user=user, filters={"state": "closet"}).count() == len(queue)

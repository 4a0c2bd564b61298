"""The model's top guesses (Pipeline.guesses) on the committed weights and the real fixture photos,
and process_photo storing them and filing each garment by the owner's review threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import upload
from vision import taxonomy
from vision.inference import load_pipeline

FIXTURES = Path(__file__).parent / "fixtures"
PHOTOS = [
    "clothing_tshirt.jpg",
    "clothing_pants.jpg",
    "clothing_shoes.jpg",
    "clothing_dress.jpg",
    "ccp_0008.jpg",
    "ccp_0016.jpg",
]

pytestmark = pytest.mark.vision


@pytest.fixture(scope="module")
def pipeline():
    torch.set_num_threads(2)
    return load_pipeline(device="cpu")


@pytest.fixture(scope="module")
def found(pipeline) -> dict:
    """The pipeline's instances of each fixture photo (computed once)."""
    return {name: pipeline(Image.open(FIXTURES / name)) for name in PHOTOS}


def _pair(guess: dict) -> tuple[str, str | None]:
    return guess["category"], guess["type"]


def _check_guesses(guesses: list[dict], pipeline, k: int = 3) -> None:
    """What every guess list promises: k distinct valid pairs, rounded scores in [0, 1], best first."""
    assert len(guesses) == k
    assert len({_pair(g) for g in guesses}) == k
    for g in guesses:
        assert set(g) == {"category", "type", "score"}
        assert g["category"] in taxonomy.CATEGORY_BY_SLUG
        assert g["type"] is None or (
            g["type"] in pipeline.classifier.type_slugs and taxonomy.category_of_type(g["type"]) == g["category"]
        )
        assert type(g["score"]) is float and 0.0 <= g["score"] <= 1.0 and g["score"] == round(g["score"], 4)
    scores = [g["score"] for g in guesses]
    # The first is the chosen category's score, at least the share of any one pair: the whole list is
    # best first, not only the ranked tail.
    assert scores == sorted(scores, reverse=True)
    json.dumps(guesses)  # plain JSON types, storable as they are


@pytest.mark.parametrize("name", PHOTOS)
def test_instances_carry_three_guesses_led_by_their_own_answer(pipeline, found, name):
    assert found[name]
    for inst in found[name]:
        _check_guesses(inst.guesses, pipeline)
        first = inst.guesses[0]
        assert _pair(first) == (inst.category, inst.type)
        assert first["score"] == pytest.approx(inst.score, abs=1e-4)


def test_a_street_photo_gets_alternatives_across_categories(found):
    """Some guess of a street photo's garments names another category than the garment's own."""
    assert any(g["category"] != inst.category for inst in found["ccp_0016.jpg"] for g in inst.guesses[1:])


def _whole_photo_probs(pipeline, name: str) -> torch.Tensor:
    """Classifier probabilities of a fixture photo classified whole (as a single-item photo is)."""
    rgb, _ = pipeline.preprocess(Image.open(FIXTURES / name))
    return pipeline.classify([Image.fromarray(rgb)])[0]


def _crop_probs(pipeline, name: str):
    """(detector class, detector score, classifier probabilities) of each detection of a street photo."""
    rgb, work = pipeline.preprocess(Image.open(FIXTURES / name))
    detections = pipeline.detect(work)
    assert detections
    from vision.datasets import mask_box

    crops = []
    for d in detections:
        mask = np.asarray(Image.fromarray(d.mask).resize((rgb.shape[1], rgb.shape[0]), Image.NEAREST))
        crops.append(Image.fromarray(rgb).crop(mask_box(mask)))
    probs = pipeline.classify(crops)
    return [(d.category_id, d.score, p) for d, p in zip(detections, probs)]


@pytest.mark.parametrize(
    "name", ["clothing_tshirt.jpg", "clothing_pants.jpg", "clothing_shoes.jpg", "clothing_dress.jpg"]
)
def test_classifier_only_guesses_are_its_most_probable_types(pipeline, name):
    """Without a detector opinion a pair's score is the type's probability: the guesses after the
    first are the classifier's most probable other types."""
    probs = _whole_photo_probs(pipeline, name)
    guesses = pipeline.guesses(0, 0.0, probs)
    _check_guesses(guesses, pipeline)
    cat, type_idx, score = pipeline.decide(0, 0.0, probs)
    slugs = pipeline.classifier.type_slugs
    assert _pair(guesses[0]) == (taxonomy.CATEGORY_SLUGS[cat - 1], slugs[type_idx])
    assert guesses[0]["score"] == pytest.approx(score, abs=1e-4)
    # decide's category score is the summed probability of the category's types.
    members = [j for j, s in enumerate(slugs) if taxonomy.category_of_type(s) == guesses[0]["category"]]
    assert score == pytest.approx(float(probs[members].sum()), abs=1e-5)
    ranked = [j for j in probs.argsort(descending=True).tolist() if j != type_idx][:2]
    assert [_pair(g) for g in guesses[1:]] == [(taxonomy.category_of_type(slugs[j]), slugs[j]) for j in ranked]
    assert [g["score"] for g in guesses[1:]] == pytest.approx([float(probs[j]) for j in ranked], abs=1e-4)


@pytest.mark.parametrize("name", ["ccp_0008.jpg", "ccp_0016.jpg"])
def test_detector_guesses_match_decide(pipeline, name):
    for det_class, det_score, probs in _crop_probs(pipeline, name):
        guesses = pipeline.guesses(det_class, det_score, probs)
        _check_guesses(guesses, pipeline)
        cat, type_idx, score = pipeline.decide(det_class, det_score, probs)
        first_type = pipeline.classifier.type_slugs[type_idx] if type_idx >= 0 else None
        assert _pair(guesses[0]) == (taxonomy.CATEGORY_SLUGS[cat - 1], first_type)
        assert guesses[0]["score"] == pytest.approx(min(1.0, score), abs=1e-4)
        # Every pair's score is its category's combined score shared among its types, so no pair of a
        # category outscores the category: for the chosen one that bound is the first guess itself.
        same_category = [g["score"] for g in guesses[1:] if g["category"] == guesses[0]["category"]]
        assert all(s <= guesses[0]["score"] for s in same_category)


def test_more_or_fewer_guesses(pipeline):
    probs = _whole_photo_probs(pipeline, "clothing_pants.jpg")
    three = pipeline.guesses(0, 0.0, probs)
    one = pipeline.guesses(0, 0.0, probs, k=1)
    six = pipeline.guesses(0, 0.0, probs, k=6)
    assert one == three[:1]
    assert six[:3] == three
    _check_guesses(six, pipeline, k=6)


def test_detector_category_the_classifier_has_no_types_for(pipeline):
    """A confident detection of a category whose types the classifier does not know (umbrella) leads
    with that category and no type; the other guesses share the classifier's half of the score."""
    assert not any(taxonomy.category_of_type(s) == "umbrella" for s in pipeline.classifier.type_slugs)
    umbrella = 1 + taxonomy.CATEGORY_SLUGS.index("umbrella")
    probs = _whole_photo_probs(pipeline, "clothing_tshirt.jpg")
    guesses = pipeline.guesses(umbrella, 1.0, probs)
    _check_guesses(guesses, pipeline)
    w = pipeline.detector_weight
    assert guesses[0] == {"category": "umbrella", "type": None, "score": pytest.approx(w, abs=1e-4)}
    ranked = probs.argsort(descending=True).tolist()[:2]
    assert [g["score"] for g in guesses[1:]] == pytest.approx([(1 - w) * float(probs[j]) for j in ranked], abs=1e-4)


def test_certain_classifier_against_a_weaker_detector(pipeline):
    """A one-hot classifier (jeans) against a detector that says shoe at 0.9: the combined scores are
    0.5 for pants and 0.45 for shoe, so jeans lead and shoe (no type: the classifier gives it nothing)
    follows."""
    slugs = pipeline.classifier.type_slugs
    probs = torch.zeros(len(slugs))
    probs[slugs.index("jeans")] = 1.0
    shoe = 1 + taxonomy.CATEGORY_SLUGS.index("shoe")
    guesses = pipeline.guesses(shoe, 0.9, probs)
    _check_guesses(guesses, pipeline)
    assert guesses[:2] == [
        {"category": "pants", "type": "jeans", "score": 0.5},
        {"category": "shoe", "type": None, "score": 0.45},
    ]
    assert guesses[2]["score"] == 0.0
    alone = pipeline.guesses(0, 0.0, probs)
    assert alone[0] == {"category": "pants", "type": "jeans", "score": 1.0}
    assert [g["score"] for g in alone[1:]] == [0.0, 0.0]


# --- process_photo with the real pipeline ---------------------------------------------------------


def _process(user, pipeline, name):
    """Upload a fixture photo and process it; returns (photo, {category slug: instance the pipeline gave})."""
    from wardrobe import services

    photo = services.photo_create(owner=user, uploaded_file=upload(name, (FIXTURES / name).read_bytes()))
    given = []

    def recording(image):
        out = pipeline(image)
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
    from wardrobe import selectors
    from wardrobe.models import Garment

    profile_update(user=user, review_threshold=threshold)
    photo, given = _process(user, pipeline, name)
    garments = list(Garment.objects.filter(photo=photo).select_related("category", "type"))
    assert garments and {g.category.slug for g in garments} == set(given)
    for g in garments:
        inst = given[g.category.slug]
        assert g.guesses == inst.guesses
        _check_guesses(g.guesses, pipeline)
        assert _pair(g.guesses[0]) == (g.category.slug, g.type.slug if g.type else None)
        assert g.score == pytest.approx(inst.score)
        expected = Garment.Status.CLOSET if g.score >= threshold and threshold < 1 else Garment.Status.REVIEW
        assert g.status == expected, (g.category.slug, g.score, threshold)
    statuses = {g.status for g in garments}
    if threshold == 0.0:
        assert statuses == {Garment.Status.CLOSET}
    if threshold == 1.0:
        assert statuses == {Garment.Status.REVIEW}
    assert selectors.review_count(user=user) == sum(g.status == Garment.Status.REVIEW for g in garments)


@pytest.mark.django_db
def test_review_with_the_real_guesses(user, pipeline):
    """Everything to review, then confirm one garment as its second guess and the rest as they are."""
    from accounts.services import profile_update
    from wardrobe import selectors, services
    from wardrobe.models import Garment

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
    assert selectors.garment_list(user=user, state="closet").count() == len(queue)

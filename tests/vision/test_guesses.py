"""The model's top guesses (the classify stage's guesses/decide) on the committed weights and the
real fixture photos."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from tests.vision.conftest import FIXTURES, PHOTOS
from vision import taxonomy
from vision.contract import Guess
from vision.datasets import mask_box
from vision.stages.detect import resize_mask

pytestmark = pytest.mark.vision


@pytest.fixture(scope="module")
def found(pipeline) -> dict:
    """The pipeline's instances of each fixture photo (computed once)."""
    return {name: list(pipeline(Image.open(FIXTURES / name))) for name in PHOTOS}


@pytest.fixture(scope="module")
def classify(pipeline):
    return pipeline.stage("classify")


def _pair(guess: Guess) -> tuple[str, str | None]:
    return guess.category, guess.type


def _check_guesses(guesses: list[Guess], classify, k: int = 3) -> None:
    """What every guess list promises: k distinct valid pairs, rounded scores in [0, 1], best first."""
    assert len(guesses) == k
    assert len({_pair(g) for g in guesses}) == k
    for g in guesses:
        assert isinstance(g, Guess) and set(g.as_dict()) == {"category", "type", "score"}
        assert g.category in taxonomy.CATEGORY_BY_SLUG
        assert g.type is None or (g.type in classify.type_slugs and taxonomy.category_of_type(g.type) == g.category)
        assert type(g.score) is float and 0.0 <= g.score <= 1.0 and g.score == round(g.score, 4)
    scores = [g.score for g in guesses]
    # The first is the chosen category's score, at least the share of any one pair: the whole list is
    # best first, not only the ranked tail.
    assert scores == sorted(scores, reverse=True)
    json.dumps([g.as_dict() for g in guesses])  # plain JSON types, storable as they are


@pytest.mark.parametrize("name", PHOTOS)
def test_instances_carry_three_guesses_led_by_their_own_answer(classify, found, name):
    assert found[name]
    for inst in found[name]:
        _check_guesses(inst.guesses, classify)
        first = inst.guesses[0]
        assert _pair(first) == (inst.category, inst.type)
        assert first.score == pytest.approx(inst.score, abs=1e-4)


def test_a_street_photo_gets_alternatives_across_categories(found):
    """Some guess of a street photo's garments names another category than the garment's own."""
    assert any(g.category != inst.category for inst in found["ccp_0016.jpg"] for g in inst.guesses[1:])


def _whole_photo_probs(pipeline, classify, name: str) -> torch.Tensor:
    """Classifier probabilities of a fixture photo classified whole (as a single-item photo is)."""
    ctx = pipeline.preprocess(Image.open(FIXTURES / name))
    return classify.probabilities([ctx.image])[0]


def _crop_probs(pipeline, classify, name: str):
    """(detector category, detector score, classifier probabilities) of each detection of a street photo."""
    ctx = pipeline.preprocess(Image.open(FIXTURES / name))
    detect = pipeline.stage("detect")
    detections = detect.detect(detect.work_image(ctx.image))
    assert detections
    crops = [ctx.image.crop(mask_box(resize_mask(d.mask, ctx.rgb.shape[:2]))) for d in detections]
    probs = classify.probabilities(crops)
    return [(d.category, d.score, p) for d, p in zip(detections, probs)]


@pytest.mark.parametrize(
    "name", ["clothing_tshirt.jpg", "clothing_pants.jpg", "clothing_shoes.jpg", "clothing_dress.jpg"]
)
def test_classifier_only_guesses_are_its_most_probable_types(pipeline, classify, name):
    """Without a detector opinion a pair's score is the type's probability: the guesses after the
    first are the classifier's most probable other types."""
    probs = _whole_photo_probs(pipeline, classify, name)
    guesses = classify.guesses(None, 0.0, probs)
    _check_guesses(guesses, classify)
    category, type_slug, score = classify.decide(None, 0.0, probs)
    slugs = classify.type_slugs
    assert _pair(guesses[0]) == (category, type_slug)
    assert guesses[0].score == pytest.approx(score, abs=1e-4)
    # decide's answer is the classifier's most probable type, scored with that type's probability
    # (the name shown, not its category's summed probability).
    assert type_slug == slugs[int(probs.argmax())]
    assert score == pytest.approx(float(probs.max()), abs=1e-5)
    ranked = [j for j in probs.argsort(descending=True).tolist() if j != slugs.index(type_slug)][:2]
    assert [_pair(g) for g in guesses[1:]] == [(taxonomy.category_of_type(slugs[j]), slugs[j]) for j in ranked]
    assert [g.score for g in guesses[1:]] == pytest.approx([float(probs[j]) for j in ranked], abs=1e-4)


@pytest.mark.parametrize("name", ["ccp_0008.jpg", "ccp_0016.jpg"])
def test_detector_guesses_match_decide(pipeline, classify, name):
    for det_category, det_score, probs in _crop_probs(pipeline, classify, name):
        guesses = classify.guesses(det_category, det_score, probs)
        _check_guesses(guesses, classify)
        category, type_slug, score = classify.decide(det_category, det_score, probs)
        assert _pair(guesses[0]) == (category, type_slug)
        assert guesses[0].score == pytest.approx(min(1.0, score), abs=1e-4)
        # The answer is the best-scoring pair, each pair's score its category's combined score shared
        # among its types in proportion to the classifier's probabilities.
        assert all(g.score <= guesses[0].score for g in guesses[1:])
        w = classify.detector_weight
        slugs = classify.type_slugs
        if type_slug is not None:
            members = [j for j, s in enumerate(slugs) if taxonomy.category_of_type(s) == category]
            mass = float(probs[members].sum())
            combined = (1 - w) * mass + (w * det_score if category == det_category else 0.0)
            assert score == pytest.approx(combined * float(probs[slugs.index(type_slug)]) / mass, abs=1e-5)


def test_more_or_fewer_guesses(pipeline, classify):
    probs = _whole_photo_probs(pipeline, classify, "clothing_pants.jpg")
    three = classify.guesses(None, 0.0, probs)
    one = classify.guesses(None, 0.0, probs, k=1)
    six = classify.guesses(None, 0.0, probs, k=6)
    assert one == three[:1]
    assert six[:3] == three
    _check_guesses(six, classify, k=6)


def test_detector_category_the_classifier_has_no_types_for(pipeline, classify):
    """A confident detection of a category whose types the classifier does not know (umbrella) leads
    with that category and no type; the other guesses share the classifier's half of the score."""
    assert not any(taxonomy.category_of_type(s) == "umbrella" for s in classify.type_slugs)
    probs = _whole_photo_probs(pipeline, classify, "clothing_tshirt.jpg")
    guesses = classify.guesses("umbrella", 1.0, probs)
    _check_guesses(guesses, classify)
    w = classify.detector_weight
    assert guesses[0] == Guess("umbrella", None, pytest.approx(w, abs=1e-4))
    ranked = probs.argsort(descending=True).tolist()[:2]
    assert [g.score for g in guesses[1:]] == pytest.approx([(1 - w) * float(probs[j]) for j in ranked], abs=1e-4)


def test_certain_classifier_against_a_weaker_detector(classify):
    """A one-hot classifier (jeans) against a detector that says shoe at 0.9: the combined scores are
    0.5 for pants and 0.45 for shoe, so jeans lead and shoe (no type: the classifier gives it nothing)
    follows."""
    slugs = classify.type_slugs
    probs = torch.zeros(len(slugs))
    probs[slugs.index("jeans")] = 1.0
    guesses = classify.guesses("shoe", 0.9, probs)
    _check_guesses(guesses, classify)
    assert guesses[:2] == [Guess("pants", "jeans", 0.5), Guess("shoe", None, 0.45)]
    assert guesses[2].score == 0.0
    alone = classify.guesses(None, 0.0, probs)
    assert alone[0] == Guess("pants", "jeans", 1.0)
    assert [g.score for g in alone[1:]] == [0.0, 0.0]
    assert classify.guesses("", 0.0, probs) == alone  # "" (a whole-photo item) is no opinion too

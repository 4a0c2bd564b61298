"""Issue 16, vision side: the ``embed`` stage, vision.similarity (cosine, pHash, the personal rerank),
the synthetic re-shoots and the retrieval evaluation, on the real fixture photos and the committed
weights."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.vision.conftest import DATASETS, FIXTURES, PHOTOS, ROOT
from vision import similarity, taxonomy
from vision.contract import GarmentInstance, Guess
from vision.reshoot import REUPLOAD_KINDS, reshoot, reupload

CLOTHING = ["clothing_tshirt.jpg", "clothing_pants.jpg", "clothing_shoes.jpg", "clothing_dress.jpg"]


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def _main(pipeline, image: Image.Image):
    return max(pipeline(image).instances, key=lambda i: i.area)


def test_embedding_is_the_last_field_of_the_contract():
    names = [f.name for f in dataclasses.fields(GarmentInstance)]
    assert names[names.index("embedding") + 1 :] == ["attributes", "stain"]  # later stages come after it
    assert GarmentInstance(box=(0, 0, 1, 1), mask=np.ones((1, 1), bool)).embedding is None


def test_cosine_matrix():
    a = np.stack([_unit([1, 0, 0]), _unit([1, 1, 0])])
    b = np.stack([_unit([1, 0, 0]), _unit([0, 0, 1]), _unit([0, 1, 0])])
    sims = similarity.cosine_matrix(a, b)
    assert sims.shape == (2, 3) and sims.dtype == np.float32
    np.testing.assert_allclose(sims, [[1, 0, 0], [2**-0.5, 0, 2**-0.5]], atol=1e-6)
    assert similarity.cosine_matrix(a[0], b).shape == (1, 3)  # one vector is one row
    with pytest.raises(ValueError):
        similarity.cosine_matrix(a, np.ones((1, 4), np.float32))


def test_constants():
    assert similarity.EMBEDDING_DIM == 1280
    assert 0 < similarity.DUPLICATE_SIMILARITY < 1
    assert 0 <= similarity.PHASH_MAX_DISTANCE < 32


def test_duplicate_score_weighs_the_nearest_garment_against_the_second():
    margin = similarity.DUPLICATE_MARGIN
    # One garment of the category: the plain cosine threshold.
    assert similarity.duplicate_score(np.array([similarity.DUPLICATE_SIMILARITY + 0.001]))[1] >= margin
    assert similarity.duplicate_score(np.array([similarity.DUPLICATE_SIMILARITY - 0.01]))[1] < margin
    weight, floor = similarity.DUPLICATE_SECOND_WEIGHT, similarity.DUPLICATE_SECOND_FLOOR
    # Much nearer one garment than any other: flagged below that cosine.
    near = similarity.DUPLICATE_SIMILARITY - 0.02
    index, score = similarity.duplicate_score(np.array([floor / 2, near, floor]))
    assert index == 1 and score >= margin
    # As near two alike garments: not flagged, though nearer than that cosine.
    bound = (margin - 0.01 * weight) / (1 - weight)  # two garments nearer than this are always flagged
    second = (similarity.DUPLICATE_SIMILARITY + bound) / 2
    index, score = similarity.duplicate_score(np.array([second, second + 0.01]))
    assert index == 1 and score < margin and second > similarity.DUPLICATE_SIMILARITY
    # A far second garment counts as the floor: a small closet does not flag at low cosines.
    low = margin + weight * floor - 0.03
    assert similarity.duplicate_score(np.array([low, floor / 4]))[1] < margin <= low - weight * floor / 4
    with pytest.raises(ValueError):
        similarity.duplicate_score(np.array([]))
    # Compared within its category and those of its first three guesses.
    assert similarity.duplicate_categories("pants", ["pants", "skirt", None, "dress"]) == {"pants", "skirt"}
    assert similarity.duplicate_categories(None, ["shoes", "bag", "hat", "dress"]) == {"shoes", "bag", "hat"}


def test_personal_rerank_lets_neighbours_flip_a_wrong_guess():
    tee, shirt = ("top-t-shirt-sweatshirt", "t-shirt"), ("shirt-blouse", "shirt")
    assert taxonomy.category_of_type("t-shirt") == tee[0] and taxonomy.category_of_type("shirt") == shirt[0]
    guesses = [Guess(*tee, 0.6), Guess(*shirt, 0.3), Guess("dress", "dress", 0.05)]
    query = _unit([1, 0.1, 0, 0])
    # Without neighbours (or with no weight) the guesses stay as they are.
    assert similarity.personal_rerank(guesses, query, []) == guesses
    assert similarity.personal_rerank(guesses, query, [(query, *shirt)], weight=0.0) == guesses
    # The person's shirts that look like this garment outvote the model's first guess.
    neighbours = [(_unit([1, 0.1, 0, 0.02]), *shirt), (_unit([1, 0.12, 0, 0]), *shirt), (_unit([0, 0, 1, 0]), *tee)]
    again = similarity.personal_rerank(guesses, query, neighbours)
    assert (again[0].category, again[0].type) == shirt
    assert len(again) == len(guesses) and all(isinstance(g, Guess) for g in again)
    assert all(0 <= g.score <= 1 for g in again) and sum(g.score for g in again) <= 1.0 + 1e-3
    assert [g.score for g in again] == sorted((g.score for g in again), reverse=True)
    # A neighbour with no type votes for its category; an unguessed pair can enter the guesses.
    cat_only = similarity.personal_rerank(guesses, query, [(query, "shirt-blouse", None)])
    assert (cat_only[0].category, cat_only[0].type) == shirt
    new_pair = similarity.personal_rerank(guesses, query, [(query, "skirt", "skirt")], weight=0.8)
    assert (new_pair[0].category, new_pair[0].type) == ("skirt", "skirt")
    with pytest.raises(ValueError):
        similarity.personal_rerank(guesses, query, neighbours, weight=1.5)


def test_correction_offsets_learn_how_a_person_names_what_the_model_confuses():
    """A person who kept "shirt" for garments the model took for T-shirts (0.6 / 0.35) gets that pair
    re-scored towards shirt; one correction moves it less than five, and the model's confident guesses
    of other kinds stay first."""
    tee, shirt, jeans = ("top-t-shirt-sweatshirt", "t-shirt"), ("shirt-blouse", "shirt"), ("pants", "jeans")
    confused = [Guess(*tee, 0.6), Guess(*shirt, 0.35)]
    assert similarity.correction_offsets([]) == {}
    assert similarity.offset_guesses(confused, {}) == confused

    def shirt_score(n_corrected: int) -> float:
        kept = [(confused, *shirt)] * n_corrected + [([Guess(*jeans, 0.95)], *jeans)] * 3
        offsets = similarity.correction_offsets(kept)
        assert offsets[shirt] > 0 > offsets[tee]
        again = similarity.offset_guesses(confused, offsets)
        assert 0.95 < sum(g.score for g in again) <= 1 + 1e-3 and len(again) == len(confused)
        assert similarity.offset_guesses([Guess(*jeans, 0.9), Guess(*tee, 0.05)], offsets)[0].type == "jeans"
        return next(g.score for g in again if g.type == "shirt")

    one, five = shirt_score(1), shirt_score(5)
    assert 0.35 < one < five and five > 0.5  # five corrections name it a shirt
    # personal_rerank applies them before the neighbours vote (no neighbours here).
    offsets = similarity.correction_offsets([(confused, *shirt)] * 5)
    assert similarity.personal_rerank(confused, _unit([1, 0]), [], offsets=offsets)[0].type == "shirt"
    with pytest.raises(ValueError):
        similarity.correction_offsets([(confused, *shirt)], prior=0)


def test_personal_weight_grows_from_the_threshold_to_the_duplicate_similarity():
    low, high = similarity.PERSONAL_MIN_SIMILARITY, similarity.DUPLICATE_SIMILARITY
    assert similarity.personal_weight(low - 0.01) == 0 and similarity.personal_weight(low) == 0
    assert 0 < similarity.personal_weight((low + high) / 2) < similarity.PERSONAL_WEIGHT
    assert similarity.personal_weight(high) == similarity.personal_weight(1.0) == similarity.PERSONAL_WEIGHT


def test_phash_matches_a_photo_uploaded_again_and_not_another_photo():
    photo = Image.open(FIXTURES / "clothing_tshirt.jpg").convert("RGB")
    h = similarity.photo_phash(photo)
    assert 0 <= h < 2**64
    rng = np.random.default_rng(0)
    for kind in REUPLOAD_KINDS:
        if kind == "crop":  # crops of 1-5 % per side: mostly left to the embedding (see PHASH_MAX_DISTANCE)
            continue
        again = reupload(photo, rng, kind)
        if kind == "exif_rotate":
            assert again.size == photo.size  # the orientation tag undid the rotation
        assert similarity.hamming(similarity.photo_phash(again), h) <= similarity.PHASH_MAX_DISTANCE, kind
    for other in PHOTOS[1:]:
        d = similarity.hamming(similarity.photo_phash(Image.open(FIXTURES / other)), h)
        assert d > similarity.PHASH_MAX_DISTANCE, other
    assert similarity.hamming(h, h - 2**64) == 0  # a signed copy is the same hash


@pytest.mark.vision
@pytest.mark.parametrize("name", PHOTOS)
def test_embed_stage_fills_unit_norm_embeddings(pipeline, name):
    analysis = pipeline(Image.open(FIXTURES / name))
    assert "embed" in analysis.seconds
    for inst in analysis:
        e = inst.embedding
        assert isinstance(e, np.ndarray) and e.dtype == np.float32 and e.shape == (similarity.EMBEDDING_DIM,)
        assert abs(float(np.linalg.norm(e)) - 1.0) < 1e-4


@pytest.mark.vision
def test_a_reshoot_is_nearer_its_original_than_other_garments(pipeline):
    originals = {}
    for name in CLOTHING:
        image = Image.open(FIXTURES / name).convert("RGB")
        originals[name] = (image, _main(pipeline, image))
    gallery = np.stack([inst.embedding for _, inst in originals.values()])
    for i, (name, (image, inst)) in enumerate(originals.items()):
        shot = reshoot(image, inst.mask, np.random.default_rng([7, i]))
        assert shot.size != image.size or not np.array_equal(np.asarray(shot), np.asarray(image))
        sims = similarity.cosine_matrix(_main(pipeline, shot).embedding, gallery)[0]
        assert int(sims.argmax()) == i, (name, sims)


@pytest.mark.vision
@pytest.mark.parametrize("name", CLOTHING)
def test_a_mirrored_garment_gets_the_same_vector(pipeline, name):
    """The stage averages each picture with its mirror image: a garment seen from the other side (a
    mirrored cutout) gets the same vector, which the backbone's plain pooled features do not give."""
    from vision.stages.embed import neutral_cutout

    image = Image.open(FIXTURES / name).convert("RGB")
    inst = _main(pipeline, image)
    embed = pipeline.stage("embed")
    crop = neutral_cutout(image, inst.mask, inst.box)
    mirrored = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    both = embed.embed([crop, mirrored])
    assert float(both[0] @ inst.embedding) > 0.999  # the pipeline's vector is this picture's
    plain = embed.postprocess(embed.model.backbone.pooled(embed.preprocess([crop, mirrored])).detach())
    # Not 1: the network's strides and padding are not symmetric. Two different garments are about 0
    # apart after the projection (vision.train_embedding), a re-shoot of the same one about 0.5.
    assert float(both[0] @ both[1]) > 0.9
    assert float(both[0] @ both[1]) > float(plain[0] @ plain[1])


@pytest.mark.vision
def test_garment_in_box_is_embedded(pipeline):
    image = Image.open(FIXTURES / "ccp_0016.jpg")
    inst = pipeline.garment_in_box(image, (100, 200, 400, 500))
    assert inst.embedding is not None and abs(float(np.linalg.norm(inst.embedding)) - 1) < 1e-4


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.mark.vision
def test_retrieval_evaluation_and_bench_smoke(tmp_path):
    data = str(DATASETS / "clothing-dataset")
    out = tmp_path / "retrieval.json"
    cache = str(tmp_path / "cache.pkl")
    args = ["--data", data, "--split", "all", "--queries", "2", "--cache", cache]
    r = _run("vision.evaluate", "retrieval", *args, "--json", str(out), "--threads", "2")
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    assert res["n_photos"] == 4 and res["closet_size"] == 2 and res["n_queries_each"] == 2
    for key in ("retrieval_cutout", "retrieval_box", "duplicate_cutout", "phash", "replay", "embed_seconds"):
        assert key in res
    assert 0 <= res["retrieval_cutout"]["recall_at_1"] <= res["retrieval_cutout"]["recall_at_5"] <= 1
    assert res["phash"]["recall"] == 1.0 and res["phash"]["false_matches"] == 0
    r = _run("bench.similarity", *args, "--speed-photos", "2", "--threads", "2")  # reuses the cache
    assert r.returncode == 0, r.stderr
    assert "Recall@1" in r.stdout and "seconds per garment" in r.stdout


def test_replay_over_draws_learns_a_persons_naming_and_averages_the_draws():
    """A person whose shirts the model always calls T-shirts (0.6 against 0.4; their T-shirts 0.9):
    after 5 corrected shirts the offsets and the alike garments name the rest right, so every draw
    gains; another person below
    ``min_user_photos`` is left out. ``replay_draws`` is the mean of :func:`replay` over its seeds."""
    from pathlib import Path

    from vision.contract import Guess
    from vision.datasets import ClothingRow
    from vision.retrieval import replay, replay_draws

    rng = np.random.default_rng(0)
    records, rows = {}, []
    for i in range(24):
        label = "Shirt" if i % 2 else "T-Shirt"
        first = 0.6 if i % 2 else 0.9  # the model's score for "t-shirt", the rest for "shirt"
        guesses = [Guess(taxonomy.category_of_type(t), t, p) for t, p in (("t-shirt", first), ("shirt", 1 - first))]
        emb = (np.eye(8)[i % 2] + 0.3 * rng.normal(size=8)).astype(np.float32)
        records[f"p{i}"] = {"guesses": guesses, "cutout": emb / np.linalg.norm(emb)}
        rows.append(ClothingRow(Path(f"p{i}.jpg"), "person", label))
    rows += [ClothingRow(Path(f"p{i}.jpg"), "other", "Shirt") for i in range(3)]
    one = replay(records, rows, np.random.default_rng(3), min_user_photos=20)
    assert one["users"] == 1 and one["n_new_photos"] == 24 - 10
    assert one["model_top1"] == pytest.approx(7 / 14) and one["gain_points"] > 0
    many = replay_draws(records, rows, 3, 4, min_user_photos=20)
    assert many["draws"] == 4 and len(many["gain_points"]) == 4 and many["gain_points"][0] == one["gain_points"]
    assert many["gain_points_mean"] == pytest.approx(np.mean(many["gain_points"])) and min(many["gain_points"]) > 0

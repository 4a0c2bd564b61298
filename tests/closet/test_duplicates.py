""" "You already own this" (issue 16), services and API on PostgreSQL with the real fixture photos:
the perceptual hash stored at upload, a new garment marked ``duplicate_of`` (the same photo again;
the same garment by its appearance vector) and sent to review, the owner's answer ("It's the same"
adds the photo to the item, "Keep both"), similar items, the personal re-ranking of guesses, and
"Do I own something like this?" (400s that keep nothing, 503 when no worker answers). The real
pipeline where the behaviour is the model's: two uploads of one photo, a match of a photo."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from tests.closet.fixhelpers import RecordingQueue
from tests.conftest import media_files, upload
from tests.factories import PhotoFactory, box_instance, fixture_jpeg
from vision.contract import Guess
from vision.similarity import DUPLICATE_SIMILARITY, EMBEDDING_DIM, PERSONAL_MIN_SIMILARITY, PHASH_MAX_DISTANCE
from wardrobe.closet import selectors, services
from wardrobe.closet.models import Garment, GarmentEmbedding, GarmentPhoto, MatchRequest, Photo
from wardrobe.closet.services.duplicates import garment_duplicate_find, phash_distance
from wardrobe.closet.similar_models import current_embedding_version

pytestmark = pytest.mark.django_db


def unit(seed: int, near: np.ndarray | None = None, noise: float = 0.0) -> np.ndarray:
    """A random unit vector of EMBEDDING_DIM (or ``near`` plus ``noise`` of one), float32."""
    v = np.random.default_rng(seed).standard_normal(EMBEDDING_DIM).astype(np.float32)
    if near is not None:
        v = near + noise * v / np.linalg.norm(v)
    return (v / np.linalg.norm(v)).astype(np.float32)


def garment_with(photo, category="top-t-shirt-sweatshirt", type="t-shirt", vector=None, status="closet", guesses=()):
    """A garment of ``photo`` through ``garment_create`` with an appearance vector."""
    instance = box_instance(photo, category, type, guesses=tuple(guesses))
    instance.embedding = vector
    return services.garment_create(photo=photo, instance=instance, status=status)


@pytest.fixture
def queue(settings):
    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.RecordingQueue"
    RecordingQueue.photos, RecordingQueue.boxes = [], []
    return RecordingQueue


def test_each_upload_stores_its_perceptual_hash_and_a_re_upload_has_the_same(user, queue):
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    first = PhotoFactory(owner=user, image=tshirt)
    again = PhotoFactory(owner=user, image=tshirt)
    other = PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg"))
    assert len(first.phash) == 16
    assert phash_distance(first.phash, again.phash) <= PHASH_MAX_DISTANCE
    assert phash_distance(first.phash, other.phash) > PHASH_MAX_DISTANCE
    assert phash_distance("", first.phash) is None and phash_distance("zz", first.phash) is None


def test_the_same_photo_again_is_marked_duplicate_and_waits_for_review(user, other_user, queue):
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    owned = garment_with(PhotoFactory(owner=user, image=tshirt))
    new = garment_with(PhotoFactory(owner=user, image=tshirt))
    assert (new.duplicate_of_id, new.status) == (owned.pk, Garment.Status.REVIEW)
    # Another category in the same photo, another person's photo: no duplicate.
    assert garment_with(PhotoFactory(owner=user, image=tshirt), category="pants", type="jeans").duplicate_of is None
    assert garment_with(PhotoFactory(owner=other_user, image=tshirt)).duplicate_of is None


def test_a_garment_named_another_category_is_compared_with_its_guesses_categories(user, queue):
    """A garment photographed again is often named another category than the first time: the garments
    of the categories among its first three guesses are compared too, those of a fourth are not."""
    v = unit(1)
    owned = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg")), vector=v)
    other_photo = fixture_jpeg("clothing_shoes.jpg")  # another picture: the hashes differ
    tshirt = Guess(category="top-t-shirt-sweatshirt", type="t-shirt", score=0.3)
    second = [Guess(category="pants", type="jeans", score=0.5), tshirt]
    fourth = [Guess(category=c, type=None, score=0.2) for c in ("pants", "skirt", "dress")] + [tshirt]
    for guesses, found in ((second, owned), (fourth, None), ((), None)):
        # Written without a vector (no personal re-ranking, no check yet), then checked with one.
        new = garment_with(PhotoFactory(owner=user, image=other_photo), "pants", "jeans", guesses=guesses)
        assert new.category.slug == "pants"
        assert garment_duplicate_find(garment=new, vector=unit(2, v, 0.2)) == found
        new.delete()  # the next one's photo is the same picture: it would match this one by its hash


def test_the_same_garment_photographed_again_is_found_by_its_appearance(user, queue):
    v = unit(1)
    owned = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg")), vector=v)
    shoes_photo = fixture_jpeg("clothing_shoes.jpg")  # another picture: the hashes differ
    new = garment_with(PhotoFactory(owner=user, image=shoes_photo), vector=unit(2, near=v, noise=0.2))
    assert new.duplicate_of_id == owned.pk and new.status == Garment.Status.REVIEW
    far = garment_with(PhotoFactory(owner=user, image=shoes_photo), vector=unit(3))
    assert far.duplicate_of is None and far.status == Garment.Status.CLOSET
    other_kind = garment_with(PhotoFactory(owner=user, image=shoes_photo), "pants", "jeans", vector=v)
    assert other_kind.duplicate_of is None
    stored = GarmentEmbedding.objects.get(garment=owned).array
    assert stored.dtype == np.float32 and abs(float(stored @ v) - 1) < 1e-3


def test_its_the_same_adds_the_photo_to_the_item_and_removes_the_new_row(
    user, api, queue, media_root, django_capture_on_commit_callbacks
):
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    owned = garment_with(PhotoFactory(owner=user, image=tshirt))
    new = garment_with(PhotoFactory(owner=user, image=tshirt))
    files = {new.mask.name, new.cutout.name}
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"/api/garments/{new.pk}/duplicate/", {"same": True}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["id"] == owned.pk and r.json()["duplicate_of"] is None
    assert not Garment.objects.filter(pk=new.pk).exists()
    extra = GarmentPhoto.objects.get(garment=owned)
    assert extra.photo_id == new.photo_id and extra.box == new.bbox
    stored = {str(p.relative_to(media_root)) for p in media_files(media_root)}
    assert not files & stored  # the removed garment's files went with it
    assert Photo.objects.filter(pk=new.photo_id).exists()  # the photo stays, now one of the item's
    # Answered: a second answer is a 404 (the row is gone).
    assert api.post(f"/api/garments/{new.pk}/duplicate/", {"same": True}, format="json").status_code == 404


def test_keep_both_clears_the_mark_and_a_garment_not_marked_is_a_400(user, api, queue):
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    owned = garment_with(PhotoFactory(owner=user, image=tshirt))
    new = garment_with(PhotoFactory(owner=user, image=tshirt))
    r = api.post(f"/api/garments/{new.pk}/duplicate/", {"same": False}, format="json")
    assert r.status_code == 200 and r.json()["id"] == new.pk and r.json()["duplicate_of"] is None
    assert Garment.objects.get(pk=new.pk).status == Garment.Status.REVIEW and not GarmentPhoto.objects.exists()
    r = api.post(f"/api/garments/{owned.pk}/duplicate/", {"same": True}, format="json")
    assert r.status_code == 400 and "not marked" in r.json()["non_field_errors"][0]
    assert api.post(f"/api/garments/{new.pk}/duplicate/", {}, format="json").status_code == 400


def test_another_users_garments_answer_404_and_change_nothing(user, other_api, queue):
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    garment_with(PhotoFactory(owner=user, image=tshirt), vector=unit(1))
    new = garment_with(PhotoFactory(owner=user, image=tshirt), vector=unit(1))
    assert other_api.post(f"/api/garments/{new.pk}/duplicate/", {"same": True}, format="json").status_code == 404
    assert other_api.get(f"/api/garments/{new.pk}/similar/").status_code == 404
    assert Garment.objects.get(pk=new.pk).duplicate_of_id is not None


def test_the_photo_list_and_the_garment_say_so_with_both_pictures(user, api, queue):
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    owned = garment_with(PhotoFactory(owner=user, image=tshirt))
    new = garment_with(PhotoFactory(owner=user, image=tshirt))
    photo = api.get(f"/api/photos/?ids={new.photo_id}").json()["results"][0]
    (pair,) = photo["duplicates"]
    assert (pair["garment"], pair["duplicate_of"]) == (new.pk, owned.pk)
    assert f"/media/garments/{owned.pk}/picture" in pair["duplicate_picture_url"]
    assert f"/media/garments/{new.pk}/picture" in pair["picture_url"]
    assert api.get(f"/api/photos/{owned.photo_id}/").json()["duplicates"] == []
    assert api.get(f"/api/garments/{new.pk}/").json()["duplicate_of"] == owned.pk
    review = api.get("/api/review/").json()
    rows = review["results"] if isinstance(review, dict) else review
    assert [g["duplicate_of"] for g in rows if g["id"] == new.pk] == [owned.pk]


def test_similar_items_best_first_own_closet_only(user, other_user, api, queue):
    photo = PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg"))
    base = unit(1)
    me = garment_with(photo, vector=base)
    # Other photos of other categories (no duplicate marking), ever less alike.
    others = []
    kinds = ["pants", "shoe", "hat", "belt", "sock", "tie", "jacket"]  # one each: no duplicates among them
    for i, noise in enumerate([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]):
        p = PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg"))
        others.append(garment_with(p, kinds[i], None, vector=unit(10 + i, near=base, noise=noise)))
    theirs = garment_with(PhotoFactory(owner=other_user, image=fixture_jpeg("clothing_tshirt.jpg")), vector=base)
    no_vector = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_shoes.jpg")), "shoe", "shoes")
    r = api.get(f"/api/garments/{me.pk}/similar/")
    assert r.status_code == 200
    body = r.json()
    assert [m["id"] for m in body] == [g.pk for g in others[:6]]
    assert all(-1 <= m["similarity"] <= 1 for m in body)
    assert body == sorted(body, key=lambda m: -m["similarity"])
    assert theirs.pk not in [m["id"] for m in body] and me.pk not in [m["id"] for m in body]
    assert api.get(f"/api/garments/{no_vector.pk}/similar/").json() == []


def noise_for(cosine: float) -> float:
    """The ``noise`` of :func:`unit` that puts a vector at about ``cosine`` from ``near``."""
    return float(np.sqrt(1 / cosine**2 - 1))


def test_a_vector_of_another_embedding_model_is_left_out_until_recomputed(user, queue, settings, tmp_path):
    """Vectors made by another embedding model (before an upgrade) are not comparable: similar items,
    duplicates and the re-ranking leave them out; the current model's are stamped when stored."""
    photo = PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg"))
    v = unit(1)
    old = garment_with(photo, vector=v)
    new = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg")), vector=unit(2, v, 0.1))
    assert GarmentEmbedding.objects.get(garment=old).model_version == current_embedding_version() != ""
    assert [m["id"] for m in selectors.garment_similar(user=user, garment=new)] == [old.pk]
    GarmentEmbedding.objects.filter(garment=old).update(model_version="0123456789ab")
    assert selectors.garment_vector(garment=old) is None
    assert selectors.garment_similar(user=user, garment=new) == []
    services.garment_confirm(garment=new)  # in the closet, whatever it was filed as
    assert selectors.garment_vectors(user=user)[0] == [new.pk]
    assert len(selectors.rerank_neighbours(user_id=user.pk)) == 1  # its own; the stale one is left out
    again = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_shoes.jpg")), vector=v)
    assert again.duplicate_of_id != old.pk  # the stale vector is not compared
    # A process that cannot read the weights compares nothing rather than failing.
    settings.VISION_WEIGHTS_DIR = str(tmp_path)
    assert current_embedding_version() == "unknown"
    assert selectors.garment_similar(user=user, garment=new) == [] and selectors.garment_vector(garment=new) is None


def test_corrections_stick_the_owners_garments_re_rank_the_guesses(user, queue):
    photo = PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg"))
    v = unit(1)
    guesses = [Guess("pants", "jeans", 0.55), Guess("shorts", None, 0.35)]
    # The owner corrected two such garments to shorts.
    alike = noise_for(min(0.97, DUPLICATE_SIMILARITY + 0.05))
    for seed in (2, 3):
        g = garment_with(photo, "pants", "jeans", vector=unit(seed, near=v, noise=alike), guesses=guesses)
        services.garment_confirm(garment=g, category="shorts", type=None)
    neighbours = selectors.rerank_neighbours(user_id=user.pk)
    assert len(neighbours) == 2 and {n[1] for n in neighbours} == {"shorts"}
    assert neighbours[0][3] == guesses  # the model's guesses when they came, which the offsets learn from
    photo2 = PhotoFactory(owner=user, image=fixture_jpeg("clothing_shoes.jpg"))
    instance = box_instance(photo2, "pants", "jeans", score=0.55, guesses=tuple(guesses))
    instance.embedding = v
    new = services.garment_create(photo=photo2, instance=instance, threshold=0.95)
    assert new.category.slug == "shorts" and new.guesses[0]["category"] == "shorts"
    assert new.status == Garment.Status.REVIEW  # filed by the threshold on the re-ranked score
    # A garment unlike any of theirs with the same close call: their corrections name it shorts too;
    # with a confident guess it keeps the model's.
    instance = box_instance(photo2, "pants", "jeans", score=0.55, guesses=tuple(guesses))
    instance.embedding = unit(99)
    assert services.garment_create(photo=photo2, instance=instance).category.slug == "shorts"
    instance = box_instance(photo2, "pants", "jeans", score=0.9, guesses=(Guess("pants", "jeans", 0.9),))
    instance.embedding = unit(99)
    assert services.garment_create(photo=photo2, instance=instance).category.slug == "pants"
    # A confident guess is not outvoted by a garment of theirs only somewhat alike, and their garments
    # of the same photo never vote.
    instance = box_instance(photo2, "pants", "jeans", score=0.9, guesses=(Guess("pants", "jeans", 0.9),))
    somewhat = noise_for((PERSONAL_MIN_SIMILARITY + DUPLICATE_SIMILARITY) / 2)
    instance.embedding = unit(5, near=neighbours[0][0], noise=somewhat)
    best = max(float(instance.embedding @ n[0]) for n in neighbours)
    assert PERSONAL_MIN_SIMILARITY < best < DUPLICATE_SIMILARITY
    assert services.garment_create(photo=photo2, instance=instance).category.slug == "pants"
    instance = box_instance(photo, "pants", "jeans", score=0.55, guesses=tuple(guesses))
    instance.embedding = v
    assert services.garment_create(photo=photo, instance=instance).category.slug == "pants"


def test_a_match_image_that_is_not_an_image_empty_or_huge_is_a_400_that_keeps_nothing(api, settings, media_root, queue):
    settings.MAX_UPLOAD_BYTES = 200_000
    for name, data in [("notes.txt", b"hello, not a photo"), ("empty.jpg", b""), ("huge.jpg", b"\xff" * 300_000)]:
        r = api.post("/api/closet/match/", {"image": upload(name, data)}, format="multipart")
        assert r.status_code == 400, (name, r.content)
        assert r.json()["image"][0]
    assert api.post("/api/closet/match/", {}, format="multipart").status_code == 400
    assert not MatchRequest.objects.exists() and not media_files(media_root)
    assert queue.photos == [] and not getattr(queue, "matches", [])


def test_no_worker_in_time_is_a_503_with_retry_after_and_nothing_kept(api, settings, media_root, queue):
    settings.MATCH_WAIT_SECONDS = 0.3
    r = api.post("/api/closet/match/", {"image": upload("t.jpg", fixture_jpeg())}, format="multipart")
    assert r.status_code == 503 and int(r["Retry-After"]) > 0
    assert r.json()["code"] == "match_unavailable" and r.json()["detail"]
    assert not MatchRequest.objects.exists() and not media_files(media_root)
    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"  # the broker is down
    r = api.post("/api/closet/match/", {"image": upload("t.jpg", fixture_jpeg())}, format="multipart")
    assert r.status_code == 503 and r["Retry-After"]
    assert not MatchRequest.objects.exists() and not media_files(media_root)


@pytest.mark.vision
def test_real_pipeline_the_same_photo_twice_and_do_i_own_something_like_this(
    user, api, settings, media_root, pipeline, monkeypatch
):
    """Through the real models: the second upload of a photo is marked a duplicate of the first's
    garment; a match of the photo finds that garment first; ``garments_embed`` recomputes vectors."""
    import workers.runtime

    monkeypatch.setattr(workers.runtime, "get_pipeline", lambda: pipeline)
    settings.PHOTO_QUEUE_BACKEND = "tests.closet.fixhelpers.InlineQueue"
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    first = PhotoFactory(owner=user, image=tshirt)
    services.process_photo(first.pk, pipeline)
    (owned,) = Garment.objects.filter(photo=first)
    assert GarmentEmbedding.objects.filter(garment=owned).exists()
    services.garment_confirm(garment=owned)  # in the closet (it may have waited for review)
    second = PhotoFactory(owner=user, image=tshirt)
    services.process_photo(second.pk, pipeline)
    (new,) = Garment.objects.filter(photo=second)
    assert new.duplicate_of_id == owned.pk and new.status == Garment.Status.REVIEW

    pants = fixture_jpeg("clothing_pants.jpg")
    services.process_photo(PhotoFactory(owner=user, image=pants).pk, pipeline)
    r = api.post("/api/closet/match/", {"image": upload("shop.jpg", tshirt)}, format="multipart")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["found"] >= 1 and body["matches"][0]["id"] == owned.pk
    assert body["matches"][0]["similarity"] > 0.95
    assert not MatchRequest.objects.exists() and not list((media_root / "matches").rglob("*.*"))

    before = GarmentEmbedding.objects.get(garment=owned).array
    GarmentEmbedding.objects.all().delete()
    call_command("garments_embed", "--user", user.username)
    after = GarmentEmbedding.objects.get(garment=owned).array
    assert GarmentEmbedding.objects.count() == Garment.objects.filter(owner=user).count()
    assert float(before @ after) > 0.99
    # A vector of an older embedding model is recomputed by --missing; the others are left alone.
    GarmentEmbedding.objects.filter(garment=owned).update(model_version="old")
    untouched = GarmentEmbedding.objects.exclude(garment=owned).values_list("garment_id", "updated_at")
    untouched = dict(untouched)
    call_command("garments_embed", "--missing")
    assert GarmentEmbedding.objects.get(garment=owned).model_version == current_embedding_version()
    assert dict(GarmentEmbedding.objects.exclude(garment=owned).values_list("garment_id", "updated_at")) == untouched


def test_match_requests_a_dead_web_process_left_are_swept_with_their_files(user, media_root):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    old = MatchRequest(owner=user)
    old.image.save("match.jpg", ContentFile(fixture_jpeg()), save=True)
    fresh = MatchRequest(owner=user)
    fresh.image.save("match.jpg", ContentFile(fixture_jpeg()), save=True)
    MatchRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert services.match_requests_sweep() == 1
    assert list(MatchRequest.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert [p.name for p in (media_root / "matches").rglob("*.jpg")] == [fresh.image.name.rsplit("/", 1)[-1]]


def test_the_pages_without_javascript_review_item_and_match(client, user, queue, settings):
    """The review queue shows the notice with both pictures; its forms answer (then back to ``next``,
    or the owned item's page when the answered garment's own page is gone); the item page lists its
    other photos and similar items; the match page refuses a bad file (400) and says when no worker
    answered (503, Retry-After), in Korean too."""
    tshirt = fixture_jpeg("clothing_tshirt.jpg")
    v = unit(1)
    owned = garment_with(PhotoFactory(owner=user, image=tshirt), vector=v)
    new = garment_with(PhotoFactory(owner=user, image=tshirt), vector=v)
    both = garment_with(PhotoFactory(owner=user, image=tshirt), vector=v)
    like = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg")), "pants", None, vector=v)
    client.force_login(user)
    page = client.get("/review/").content.decode()
    assert f'id="duplicate-{new.pk}"' in page and f'action="/garments/{new.pk}/duplicate/"' in page
    assert f"/media/garments/{owned.pk}/picture" in page and "You may already own this." in page
    r = client.post(f"/garments/{new.pk}/duplicate/", {"same": "1", "next": f"/garments/{new.pk}/"})
    assert r.status_code == 302 and r["Location"] == f"/garments/{owned.pk}/"
    r = client.post(f"/garments/{both.pk}/duplicate/", {"same": "0", "next": "/review/"})
    assert r.status_code == 302 and r["Location"] == "/review/"
    assert Garment.objects.get(pk=both.pk).duplicate_of_id is None
    assert client.post(f"/garments/{owned.pk}/duplicate/", {"same": "1"}).status_code == 302  # a message
    item = client.get(f"/garments/{owned.pk}/").content.decode()
    assert 'id="extra-photos"' in item and f'data-garment="{like.pk}"' in item

    assert client.get("/closet/match/").status_code == 200
    r = client.post("/closet/match/", {"image": upload("notes.txt", b"not a photo")})
    assert r.status_code == 400 and "errorlist" in r.content.decode()
    settings.MATCH_WAIT_SECONDS = 0.2
    r = client.post("/closet/match/", {"image": upload("t.jpg", tshirt)})
    assert r.status_code == 503 and r["Retry-After"] and 'id="match-unavailable"' in r.content.decode()
    assert not MatchRequest.objects.exists()
    client.cookies["django_language"] = "ko"
    assert "이런 옷이 이미 있을까?" in client.get("/closet/match/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()

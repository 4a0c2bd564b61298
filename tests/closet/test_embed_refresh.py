"""Appearance vectors catch up with the embedding model by themselves (issue 16): the beat task
``workers.tasks.embed_stale_garments`` (``services.garments_embed_stale``) recomputes, through the
real ``embed`` stage on the committed weights, the vectors of garments with none of the current
model, leaves current ones alone, skips a photo whose file is gone without holding back the others,
and does nothing while the model's version cannot be read. PostgreSQL, the real fixture photos."""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings as django_settings

from tests.closet.test_duplicates import garment_with, unit
from tests.factories import PhotoFactory, fixture_jpeg
from wardrobe.closet import services
from wardrobe.closet.models import GarmentEmbedding
from wardrobe.closet.similar_models import UNKNOWN_EMBEDDING_VERSION, current_embedding_version

pytestmark = pytest.mark.django_db


def test_beat_runs_the_refresh_and_the_worker_knows_the_task():
    from workers.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["embed-stale-garments"]
    assert entry["task"] == "workers.tasks.embed_stale_garments"
    assert entry["schedule"] == django_settings.EMBED_REFRESH_INTERVAL > 0
    app.loader.import_default_modules()
    assert "workers.tasks.embed_stale_garments" in app.tasks


@pytest.mark.vision
def test_stale_vectors_are_recomputed_current_ones_kept_a_missing_file_skipped(user, media_root, pipeline, monkeypatch):
    import workers.runtime
    from workers.tasks import embed_stale_garments

    monkeypatch.setattr(workers.runtime, "get_pipeline", lambda: pipeline)
    tee = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg")), vector=unit(1))
    pants = garment_with(
        PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg")), "pants", "jeans", vector=unit(2)
    )
    gone = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg")), vector=None)
    current = garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_pants.jpg")), vector=unit(3))
    GarmentEmbedding.objects.filter(garment__in=[tee, pants]).update(model_version="old")
    gone.photo.image.storage.delete(gone.photo.image.name)
    kept_at = GarmentEmbedding.objects.get(garment=current).updated_at

    assert embed_stale_garments() == 2  # tee and pants; the garment whose photo is gone is skipped
    for g in (tee, pants):
        row = GarmentEmbedding.objects.get(garment=g)
        assert row.model_version == current_embedding_version()
        assert abs(float(np.linalg.norm(row.array)) - 1) < 1e-2
    # The real stage's vectors replaced the stored random ones: a T-shirt and jeans are far apart.
    tee_vector, pants_vector = (GarmentEmbedding.objects.get(garment=g).array for g in (tee, pants))
    assert float(tee_vector @ unit(1)) < 0.5 and float(tee_vector @ pants_vector) < 0.5
    assert not GarmentEmbedding.objects.filter(garment=gone).exists()
    assert GarmentEmbedding.objects.get(garment=current).updated_at == kept_at

    # Nothing stale but the gone photo's garment: it is tried and skipped, nothing else changes.
    done, skipped = services.garments_embed_stale(embed=pipeline.stage("embed"))
    assert done == 0 and len(skipped) == 1 and f"photo {gone.photo_id}" in skipped[0]


def test_nothing_is_recomputed_while_the_model_version_is_unknown(user, monkeypatch):
    from wardrobe.closet.services import embeddings

    garment_with(PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg")), vector=None)

    class Refuses:
        def crops(self, image, instances):
            raise AssertionError("nothing may be embedded while the version is unknown")

    monkeypatch.setattr(embeddings, "current_embedding_version", lambda: UNKNOWN_EMBEDDING_VERSION)
    assert services.garments_embed_stale(embed=Refuses()) == (0, [])

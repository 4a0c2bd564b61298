"""Test data with factory_boy. Photos and garments are made through the real services (the stored
photo is a real fixture photo re-encoded by ``photo_create``; a garment goes through
``garment_create`` from a ``vision.contract.GarmentInstance``), so no test row skips the rules the
app itself applies."""

from __future__ import annotations

import io
from pathlib import Path

import factory
import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from vision.contract import Colour, GarmentInstance, Guess
from vocabulary.palette import hex_of
from wardrobe.closet import services
from wardrobe.closet.models import Garment, Photo
from wardrobe.outfits import services as outfit_services
from wardrobe.outfits.models import Outfit, OutfitPlan

FIXTURES = Path(__file__).parent / "fixtures"
#: Cheap to hash: the tests that log in with a password use it (Argon2 takes about 0.25 CPU-s each).
PASSWORD = "correct horse battery staple"


def fixture_jpeg(name: str = "clothing_tshirt.jpg") -> bytes:
    """The bytes of a real fixture photo."""
    return (FIXTURES / name).read_bytes()


class UserFactory(DjangoModelFactory):
    """A user with the password :data:`PASSWORD` (hashed once per test session, then reused)."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.password = _password_hash(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


_HASHES: dict[str, str] = {}


def _password_hash(raw: str) -> str:
    from django.contrib.auth.hashers import make_password

    if raw not in _HASHES:
        _HASHES[raw] = make_password(raw)
    return _HASHES[raw]


class PhotoFactory(factory.Factory):
    """An uploaded photo, through ``services.photo_create`` (``image``: JPEG/PNG bytes, default a
    real fixture photo; ``name``: the client's file name). Status ``pending``."""

    class Meta:
        model = Photo

    owner = factory.SubFactory(UserFactory)
    image = factory.LazyFunction(fixture_jpeg)
    name = "shirt.jpg"

    @classmethod
    def _create(cls, model_class, owner, image: bytes, name: str, **kwargs) -> Photo:
        return services.photo_create(owner=owner, uploaded_file=SimpleUploadedFile(name, image, "image/jpeg"))

    _build = _create


def box_instance(
    photo: Photo,
    category: str,
    type: str | None,
    *,
    score: float = 0.9,
    colors: tuple[str, ...] = ("navy",),
    guesses: tuple[Guess, ...] = (),
) -> GarmentInstance:
    """A pipeline result for ``photo`` whose garment is the middle half of the photo (a box-shaped
    mask), with a flat cutout, the given palette colours and the model's ``guesses`` (none by default)."""
    w, h = photo.width, photo.height
    box = (w // 4, h // 4, 3 * w // 4, 3 * h // 4)
    mask = np.zeros((h, w), dtype=bool)
    mask[box[1] : box[3], box[0] : box[2]] = True
    rgb = tuple(int(hex_of(colors[0])[i : i + 2], 16) for i in (1, 3, 5)) if colors else (20, 30, 120)
    cutout = Image.new("RGBA", (box[2] - box[0], box[3] - box[1]), (*rgb, 255))
    share = round(1 / len(colors), 4) if colors else 0.0
    return GarmentInstance(
        box=box,
        mask=mask,
        detector_score=0.95,
        category=category,
        type=type,
        score=score,
        classifier_score=0.85,
        guesses=list(guesses),
        cutout=cutout,
        colors=[
            Colour(name=c, rgb=tuple(int(hex_of(c)[i : i + 2], 16) for i in (1, 3, 5)), hex=hex_of(c), fraction=share)
            for c in colors
        ],
    )


class GarmentFactory(factory.Factory):
    """A garment of ``photo`` written by ``services.garment_create`` (see :func:`box_instance`), then
    given any editable field through ``services.garment_update`` (``name``, ``seasons``, ...)."""

    class Meta:
        model = Garment

    photo = factory.SubFactory(PhotoFactory)
    category = "shirt-blouse"
    type = "shirt"
    score = 0.9
    colors = ("navy",)
    status = Garment.Status.CLOSET

    @classmethod
    def _create(cls, model_class, photo, category, type, score, colors, status, **edits) -> Garment:
        garment = services.garment_create(
            photo=photo, status=status, instance=box_instance(photo, category, type, score=score, colors=tuple(colors))
        )
        if edits:
            services.garment_update(garment=garment, **edits)
        return garment

    _build = _create


class OutfitFactory(factory.Factory):
    """An outfit of ``garments`` (default one new garment) at their default canvas places, through
    ``outfit_services.outfit_create``."""

    class Meta:
        model = Outfit

    owner = factory.LazyAttribute(lambda o: o.garments[0].owner)
    garments = factory.LazyFunction(lambda: [GarmentFactory()])
    name = factory.Sequence(lambda n: f"Outfit {n}")

    @classmethod
    def _create(cls, model_class, owner, garments, name, **kwargs) -> Outfit:
        return outfit_services.outfit_create(
            owner=owner, name=name, items=[{"garment": g.pk} for g in garments], **kwargs
        )

    _build = _create


class OutfitPlanFactory(factory.Factory):
    class Meta:
        model = OutfitPlan

    outfit = factory.SubFactory(OutfitFactory)
    date = factory.Faker("date_object")

    @classmethod
    def _create(cls, model_class, outfit, date, **kwargs) -> OutfitPlan:
        return outfit_services.plan_create(owner=outfit.owner, outfit=outfit, date=date, **kwargs)

    _build = _create


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()

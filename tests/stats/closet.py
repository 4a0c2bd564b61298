"""A small closet with known figures for the statistics and declutter tests, built through the real
services (``tests.factories``; wears logged by ``services.garments_wear``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tests.factories import GarmentFactory, PhotoFactory, UserFactory, fixture_jpeg
from wardrobe.closet import services
from wardrobe.closet.models import Garment


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def wear(garment: Garment, *days_ago: int) -> None:
    for days in days_ago:
        services.garments_wear(garments=[garment], on=ago(days))


def small_closet(username: str = "mina") -> dict:
    """One user's closet (profile currency KRW) and another user's item.

    * ``shirt``: navy shirt, 30,000 KRW, spring + autumn, bought 400 days ago, worn 1, 40, 100 days ago;
    * ``jeans``: black jeans, 90,000 KRW, winter, bought 300 days ago, worn 200 days ago;
    * ``shoes``: white sneakers, no price, no season, bought 100 days ago, never worn;
    * ``dress``: red dress, 50 USD, bought 10 days ago, never worn;
    * ``gone``: a t-shirt of 20,000 KRW (no purchase date: added today), worn 5 days ago, then donated;
    * ``waiting``: a hat waiting for review;
    * ``other``: another user's shirt of 999 KRW, worn yesterday.
    """
    user = UserFactory(username=username)
    photo = PhotoFactory(owner=user, image=fixture_jpeg("clothing_tshirt.jpg"))

    def make(category, type_, colors, **edits):
        return GarmentFactory(photo=photo, category=category, type=type_, colors=colors, **edits)

    shirt = make(
        "shirt-blouse",
        "shirt",
        ("navy",),
        name="Oxford shirt",
        price=Decimal("30000"),
        currency="KRW",
        seasons=["spring", "autumn"],
        purchase_date=ago(400),
    )
    jeans = make(
        "pants",
        "jeans",
        ("black",),
        name="Black jeans",
        price=Decimal("90000"),
        currency="KRW",
        seasons=["winter"],
        purchase_date=ago(300),
    )
    shoes = make("shoe", "sneakers", ("white",), name="White sneakers", purchase_date=ago(100))
    dress = make("dress", None, ("red",), name="Red dress", price=Decimal("50"), currency="USD", purchase_date=ago(10))
    gone = make("top-t-shirt-sweatshirt", "t-shirt", ("grey",), name="Old tee", price=Decimal("20000"), currency="KRW")
    waiting = make("hat", "hat", ("beige",), name="Hat", status=Garment.Status.REVIEW, price=Decimal("5000"))
    wear(shirt, 1, 40, 100)
    wear(jeans, 200)
    wear(gone, 5)
    services.garment_archive(garment=gone, reason=Garment.ArchiveReason.DONATED)
    other_user = UserFactory(username=f"{username}-other")
    other = GarmentFactory(
        photo=PhotoFactory(owner=other_user, image=fixture_jpeg("clothing_pants.jpg")),
        name="Not mine",
        price=Decimal("999"),
        currency="KRW",
    )
    wear(other, 1)
    items = {"shirt": shirt, "jeans": jeans, "shoes": shoes, "dress": dress, "gone": gone, "waiting": waiting}
    for key, g in items.items():
        g.refresh_from_db()
        expected = (
            Garment.Status.REVIEW
            if key == "waiting"
            else (Garment.Status.ARCHIVED if key == "gone" else Garment.Status.CLOSET)
        )
        assert g.status == expected, (key, g.status)
    return {"user": user, "other_user": other_user, "other": other, **items}

"""The closet's version: a number that changes whenever anything a closet page counts changes
(issue 18 point 10: counts, colours and tags cached per version instead of counted per request).

The number is written by database triggers (migration ``0010_closet_version``), not by Django, so
that every write changes it: ``save()``, ``QuerySet.update()``, ``bulk_create()``, deletes, raw SQL,
the admin, the worker and a restore alike. A row of ``wardrobe_garment``, ``closet_garmentcolor``,
``wardrobe_garment_seasons``, ``closet_tag`` or ``closet_tag_garments`` inserted, updated or
deleted sets its owner's ``version`` to a new value: PostgreSQL's next value of the sequence
``closet_closetversion_seq``, SQLite's ``abs(random())``. Neither is ever handed out twice (a
sequence does not roll back; 63 random bits do not repeat in practice), so a value read inside a
transaction that is later rolled back never names another state of the closet.

``owner_id`` is a plain number, not a foreign key: a deleted user's last version stays, so a later
account can never meet a cached entry of an earlier one with the same id and version.
"""

from __future__ import annotations

from django.db import models


class ClosetVersion(models.Model):
    """One user's closet version (see the module docstring); no row: version 0, nothing written yet."""

    owner_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"Closet of user {self.owner_id}: version {self.version}"

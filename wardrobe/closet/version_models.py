"""The closet's version: a number that changes whenever anything a closet page counts changes
(issue 18 point 10: counts, colours and tags cached per version instead of counted per request).

The number is written by database triggers (migration ``0010_closet_version``), not by Django, so
that every write changes it: ``save()``, ``QuerySet.update()``, ``bulk_create()``, deletes, raw SQL,
the admin, the worker and a restore alike. A row of ``wardrobe_garment``, ``closet_garmentcolor``,
``wardrobe_garment_seasons``, ``closet_tag`` or ``closet_tag_garments`` inserted, updated or
deleted sets its owner's ``version`` to a new value: PostgreSQL's next value of the sequence
``closet_closetversion_seq`` (which starts at a random value, so a database made again does not
repeat the versions of the one before), SQLite's ``abs(random())``. Neither is ever handed out
twice (a sequence does not roll back; 63 random bits do not repeat in practice), so a value read
inside a transaction that is later rolled back never names another state of the closet.

The shared taxonomy has a version of its own, the row of ``owner_id`` 0 (:data:`SHARED`): any write
of ``wardrobe_section``, ``wardrobe_category``, ``wardrobe_garmenttype`` or ``closet_season`` changes it
(an administrator renaming a category), so what is kept per closet version is also kept per taxonomy
version (``summary_selectors.closet_version``).

``owner_id`` is a plain number, not a foreign key: a deleted user's last version stays, so a later
account can never meet a cached entry of an earlier one with the same id and version.
"""

from __future__ import annotations

from django.db import models

#: The ``owner_id`` of the shared taxonomy's version (no user has id 0).
SHARED = 0


class ClosetVersion(models.Model):
    """One user's closet version (see the module docstring); no row: version 0, nothing written yet."""

    owner_id = models.BigIntegerField(primary_key=True)
    #: Changed by every write of the tables above.
    version = models.BigIntegerField()
    #: Changed only by writes of colour rows (what the colour filter lists), with ``version``.
    colors_version = models.BigIntegerField()
    #: Changed only by writes of tag rows (what the tag filter lists), with ``version``.
    tags_version = models.BigIntegerField()
    #: Changed only when a garment is added or removed, or changes status or category (what the
    #: counts per category and status count), with ``version``.
    counts_version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"Closet of user {self.owner_id}: version {self.version}"


class GarmentRevision(models.Model):
    """``revision`` of ``closet.Garment``: a number that changes whenever anything the API shows of a
    garment changes (issue 18 point 10: each garment of a list kept in the cache under its revision,
    so that after an edit only that garment is read and serialized again).

    Written by database triggers (migration ``0011_garment_revision``), whatever made the change:
    every INSERT or UPDATE of the garment's row, and every INSERT, UPDATE or DELETE of its colour,
    season and tag rows (``closet_garmentcolor``, ``wardrobe_garment_seasons``,
    ``closet_tag_garments``). The value comes from the closet versions' sequence (PostgreSQL) or
    ``abs(random())`` (SQLite), so it is never handed out twice; what Django writes into the column is
    replaced. A tag's name and the shared taxonomy have versions of their own
    (:class:`ClosetVersion`): what is kept per revision is kept per those versions too."""

    revision = models.BigIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

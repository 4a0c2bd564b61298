"""Bulk edit of a closet selection (issue 18): seasons, tags, brand, laundry state, category/type and
archive on many garments at once, all or nothing.

:func:`garments_bulk_update` checks everything before it writes (the ids, every value), then writes
in one transaction with a handful of queries whatever the number of garments.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vocabulary.seasons import SEASON_SLUGS
from wardrobe.closet.filters import MAX_IDS
from wardrobe.closet.models import Category, Garment, GarmentType
from wardrobe.closet.services.tags import tag_name_clean, tags_for_names
from wardrobe.closet.tag_models import Tag

#: What ``changes`` may hold.
BULK_FIELDS = ("seasons", "brand", "laundry", "category", "type", "archive", "add_tags", "remove_tags")
BRAND_MAX = 120


def _ids_clean(user, ids: Any) -> list[int]:
    if not isinstance(ids, (list, tuple)) or not ids:
        raise ValidationError({"ids": [_("Tick at least one item first.")]})
    if any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in ids):
        raise ValidationError({"ids": [_("Ids are positive whole numbers.")]})
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_IDS:
        raise ValidationError({"ids": [_("At most %(n)d ids.") % {"n": MAX_IDS}]})
    found = set(Garment.objects.filter(owner=user, pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            {"ids": [_("Not your items: %(ids)s. Nothing was changed.") % {"ids": ", ".join(map(str, missing))}]}
        )
    return ids


def _kind_clean(changes: dict) -> tuple[Category | None, GarmentType | None, bool]:
    """(category or None: unchanged, type, whether the type changes) from the ``category`` / ``type`` slugs."""
    category = type_ = None
    type_changes = "type" in changes
    if "category" in changes:
        category = Category.objects.filter(slug=changes["category"] or "").first() if changes["category"] else None
        if category is None:
            raise ValidationError({"category": [_("Unknown category %(slug)s.") % {"slug": changes["category"]}]})
    if type_changes and changes["type"]:
        type_ = GarmentType.objects.select_related("category").filter(slug=changes["type"]).first()
        if type_ is None:
            raise ValidationError({"type": [_("Unknown type %(slug)s.") % {"slug": changes["type"]}]})
        if category is not None and type_.category_id != category.pk:
            raise ValidationError(
                {
                    "type": [
                        _("The type %(type)s is not a kind of %(category)s.")
                        % {"type": type_.display_name, "category": category.display_name}
                    ]
                }
            )
        category = type_.category
    return category, type_, type_changes


def _changes_clean(changes: Any) -> dict:
    if not isinstance(changes, dict) or not changes:
        raise ValidationError(_("Choose at least one change."), code="no_change")
    unknown = sorted(set(changes) - set(BULK_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    out = dict(changes)
    if "seasons" in out:
        seasons = out["seasons"]
        if not isinstance(seasons, (list, tuple)) or not all(isinstance(v, str) for v in seasons):
            raise ValidationError({"seasons": [_("Give a list of seasons.")]})
        bad = [v for v in seasons if v not in SEASON_SLUGS]
        if bad:
            raise ValidationError({"seasons": [_("Unknown season %(name)s.") % {"name": bad[0]}]})
        out["seasons"] = [v for v in SEASON_SLUGS if v in seasons]
    if "brand" in out:
        brand = out["brand"]
        if not isinstance(brand, str) or len(brand.strip()) > BRAND_MAX or "\x00" in brand:
            raise ValidationError({"brand": [_("A brand has at most %(n)d characters.") % {"n": BRAND_MAX}]})
        out["brand"] = brand.strip()
    if "laundry" in out and out["laundry"] not in Garment.Laundry.values:
        raise ValidationError({"laundry": [_("Choose clean or in the wash.")]})
    if "archive" in out and out["archive"] not in Garment.ArchiveReason.values:
        raise ValidationError({"archive": [_("Choose sold, donated or lost.")]})
    for key in ("add_tags", "remove_tags"):
        if key in out:
            names = out[key]
            if not isinstance(names, (list, tuple)):
                raise ValidationError({key: [_("Give a list of tags.")]})
            out[key] = list(dict.fromkeys(tag_name_clean(n, field=key) for n in names))
    return out


def garments_bulk_update(*, user, ids: list[int], changes: dict) -> int:
    """Apply ``changes`` to the user's garments ``ids`` (at most ``filters.MAX_IDS``), all or nothing.

    ``changes`` (each optional, at least one):

    * ``seasons``: season slugs (``vocabulary.seasons``) that replace each garment's seasons;
    * ``brand``: str (at most 120 characters; "" clears it);
    * ``laundry``: ``clean`` | ``wash``;
    * ``category`` / ``type``: slugs, as ``services.garment_update`` reads them (a type moves the
      garments to its category, a category given with it must be that one; a category alone clears
      the types of other categories; ``type`` None clears the type);
    * ``archive``: ``sold`` | ``donated`` | ``lost``: out of the closet (none may wait for review);
    * ``add_tags`` / ``remove_tags``: tag names (any case); tags to add that the user lacks are
      created, tags to remove that the user lacks are ignored.

    Returns how many garments were changed (``len(set(ids))``). Raises ``ValidationError`` (keyed by
    field) when an id is unknown or another user's, a value is invalid or a garment to archive waits
    for review; nothing is written then.
    """
    changes = _changes_clean(changes)
    ids = _ids_clean(user, ids)
    category, type_, type_changes = _kind_clean(changes)
    qs = Garment.objects.filter(owner=user, pk__in=ids)
    if "archive" in changes and qs.filter(status=Garment.Status.REVIEW).exists():
        waiting = sorted(qs.filter(status=Garment.Status.REVIEW).values_list("pk", flat=True))
        raise ValidationError(
            {
                "archive": [
                    _("Review these items before archiving them: %(ids)s.") % {"ids": ", ".join(map(str, waiting))}
                ]
            }
        )
    now = timezone.now()
    fields: dict[str, Any] = {"updated_at": now}
    for name in ("brand", "laundry"):
        if name in changes:
            fields[name] = changes[name]
    if category is not None:
        fields["category"] = category
    if type_changes:
        fields["type"] = type_
    if "archive" in changes:
        fields.update(status=Garment.Status.ARCHIVED, archive_reason=changes["archive"], archived_at=now)
    with transaction.atomic():
        list(qs.select_for_update().values_list("pk", flat=True))  # one bulk edit at a time on these rows
        qs.update(**fields)
        if category is not None and not type_changes:
            qs.exclude(type__isnull=True).exclude(type__category=category).update(type=None)
        if "seasons" in changes:
            through = Garment.seasons.through
            through.objects.filter(garment_id__in=ids).delete()
            through.objects.bulk_create([through(garment_id=g, season_id=s) for g in ids for s in changes["seasons"]])
        through = Tag.garments.through
        if changes.get("add_tags"):
            tags = tags_for_names(owner=user, names=changes["add_tags"], field="add_tags")
            through.objects.bulk_create(
                [through(tag_id=t.pk, garment_id=g) for t in tags for g in ids], ignore_conflicts=True
            )
        if changes.get("remove_tags"):
            lowered = [n.casefold() for n in changes["remove_tags"]]
            doomed = [t.pk for t in Tag.objects.filter(owner=user) if t.name.casefold() in lowered]
            through.objects.filter(tag_id__in=doomed, garment_id__in=ids).delete()
    return len(ids)

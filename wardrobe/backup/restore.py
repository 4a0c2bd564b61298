"""The import of an export zip, second half: a checked archive (``importing.ImportPlan``) written into
an account in one transaction.

Order: the settings, tags (``restore_extras``: merged by name with the account's own), photos (their
files), garments (mask, cutout, the model's own where an edited mask kept them, colours, seasons,
tags, extra photos), the wear log, the boxes drawn on photos, outfits with their canvas, the
calendar, trips with their packing lists, the wishlist with its photos. Rows keep their creation
and change moments; new ids are given and every reference is mapped. Files are written through the
storage before their rows and deleted again when anything fails, so a failed import leaves neither
rows nor files.

Nothing is imported twice: each photo, garment, outfit, plan, trip and wishlist item is recorded as
an ``ImportedObject`` (its id and creation moment in the export, and the row it became); a record
already imported whose row still exists, or a record of this very account (same id, same creation
moment: an export imported back where it came from), maps to that row and adds nothing. Wears are a
garment and a day, added where missing.

Not restored: appearance vectors (``GarmentEmbedding``; ``manage.py garments_embed`` computes them),
boxes still waiting for a worker, and ``duplicate_of`` (not exported).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max

from accounts.selectors import profile_get
from accounts.services import PROFILE_FIELDS, profile_update
from wardrobe.backup import archive as zips
from wardrobe.backup import pictures, restore_extras
from wardrobe.backup.importing import ImportPlan
from wardrobe.backup.manifest import garment_files
from wardrobe.backup.models import ImportedObject
from wardrobe.closet.models import BoxRequest, Garment, GarmentColor, GarmentPhoto, Photo, WearLog
from wardrobe.closet.services import photo_enqueue
from wardrobe.closet.services.tags import garment_tags_set
from wardrobe.outfits.models import Outfit, OutfitItem, OutfitPlan
from wardrobe.weather.selectors import weather_settings_get
from wardrobe.weather.services import weather_settings_update


def source_key(record: dict) -> str:
    """``"<id>@<created_at ISO>"``: a record's key among everything ever exported."""
    created = record.get("created_at")
    return f"{record['id']}@{created.isoformat() if created else ''}"


class _Known:
    """What the account already holds of an archive's records (see the module's docstring)."""

    def __init__(self, user):
        self.user = user
        self.mapped: dict[str, dict[str, int]] = {}
        for kind, key, target in ImportedObject.objects.filter(owner=user).values_list(
            "kind", "source_key", "target_id"
        ):
            self.mapped.setdefault(kind, {})[key] = target
        self.new: list[ImportedObject] = []
        self.alive: set[int] = set()
        self.own: dict[int, object] = {}

    def load(self, kind: str, model, records: list[dict]) -> None:
        """Read at once which rows of ``model`` the records of ``kind`` may be: the targets of their
        earlier imports that still exist, and this account's rows of their ids (with their creation
        moments)."""
        mapped = self.mapped.get(kind, {})
        targets = [mapped[k] for k in (source_key(r) for r in records) if k in mapped]
        mine = model.objects.filter(owner=self.user)
        self.alive = set(mine.filter(pk__in=targets).values_list("pk", flat=True))
        self.own = dict(mine.filter(pk__in=[r["id"] for r in records]).values_list("pk", "created_at"))

    def find(self, kind: str, record: dict) -> int | None:
        """The pk of the account's row for ``record`` (after :meth:`load` of its kind), or None."""
        target = self.mapped.get(kind, {}).get(source_key(record))
        if target is not None and target in self.alive:
            return target
        created = record.get("created_at")
        if created is not None and self.own.get(record["id"]) == created:
            return record["id"]
        return None

    def remember(self, kind: str, record: dict, target: int) -> None:
        self.new.append(ImportedObject(owner=self.user, kind=kind, source_key=source_key(record), target_id=target))

    def save(self) -> None:
        ImportedObject.objects.bulk_create(
            self.new,
            update_conflicts=True,
            unique_fields=["owner", "kind", "source_key"],
            update_fields=["target_id"],
        )


def _keep_moments(model, pk: int, record: dict) -> None:
    """The export's ``created_at`` / ``updated_at`` onto the new row (``auto_now`` set them to now)."""
    moments = {k: record[k] for k in ("created_at", "updated_at") if record.get(k) is not None}
    if moments:
        model.objects.filter(pk=pk).update(**moments)


def _settings(user, plan: ImportPlan) -> int:
    """The preferences and weather settings of the export; the name and e-mail only where the
    account has none. Returns 1 when anything changed, else 0."""
    changed = 0
    prefs = {k: v for k, v in plan.profile.items() if k in PROFILE_FIELDS}
    profile = profile_get(user=user)
    if prefs and any(getattr(profile, k) != v for k, v in prefs.items()):
        profile_update(user=user, **prefs)
        changed = 1
    names = {
        k: plan.profile[k] for k in ("first_name", "last_name", "email") if k in plan.profile and not getattr(user, k)
    }
    if names:
        get_user_model().objects.filter(pk=user.pk).update(**names)
        changed = 1
    place = weather_settings_get(user=user)
    if plan.weather and any(getattr(place, k) != v for k, v in plan.weather.items()):
        weather_settings_update(user=user, **plan.weather)
        changed = 1
    return changed


def _photos(user, plan: ImportPlan, known: _Known, written: list) -> dict[int, int]:
    mapping = {}
    known.load(ImportedObject.Kind.PHOTO, Photo, plan.photos)
    for record in plan.photos:
        found = known.find(ImportedObject.Kind.PHOTO, record)
        if found is not None:
            mapping[record["id"]] = found
            continue
        checked = record["checked"]
        content = pictures.photo_bytes(zips.read_member(plan.archive, record["file"]), checked)
        waiting = record["status"] in (Photo.Status.PENDING, Photo.Status.PROCESSING)
        photo = Photo(
            owner=user,
            original_filename=record["original_filename"],
            width=checked.width,
            height=checked.height,
            status=Photo.Status.PENDING if waiting else record["status"],
            phash=checked.phash,
        )
        photo.image.save(f"upload{checked.extension}", ContentFile(content), save=False)
        written.append(photo.image)
        photo.save()
        _keep_moments(Photo, photo.pk, record)
        if waiting:
            transaction.on_commit(lambda pk=photo.pk: photo_enqueue(pk))
        for box in record["box_requests"]:
            box["photo"] = photo
        record["new"] = True
        mapping[record["id"]] = photo.pk
        known.remember(ImportedObject.Kind.PHOTO, record, photo.pk)
    return mapping


def _garment(user, plan: ImportPlan, item: dict, photo_id: int, written: list) -> Garment:
    fields = dict(item["fields"])
    fields.setdefault("score", 1.0)
    garment = Garment(owner=user, photo_id=photo_id, category=item["category"], type=item["type"], **fields)
    for key, (name, _folder, mode, _sized) in garment_files().items():
        if item[key] is None:
            continue
        data = zips.read_member(plan.archive, item[key])
        content = pictures.png_bytes(data, item[key], mode=mode, clean=item["clean"][key])
        getattr(garment, name).save(f"{name.split('_')[-1]}.png", ContentFile(content), save=False)
        written.append(getattr(garment, name))
    garment.save()
    GarmentColor.objects.bulk_create(
        GarmentColor(garment=garment, position=i, **color) for i, color in enumerate(item["colors"])
    )
    Garment.seasons.through.objects.bulk_create(
        Garment.seasons.through(garment=garment, season_id=s) for s in item["seasons"]
    )
    if item.get("tags"):
        garment_tags_set(garment=garment, names=item["tags"])
    _keep_moments(Garment, garment.pk, item)
    return garment


def _garments(user, plan: ImportPlan, known: _Known, photos: dict, written: list) -> tuple[dict, int, int]:
    """Returns ``(export id -> garment pk, new garments, new wears)``."""
    mapping, created = {}, 0
    known.load(ImportedObject.Kind.GARMENT, Garment, plan.items)
    for item in plan.items:
        found = known.find(ImportedObject.Kind.GARMENT, item)
        if found is None:
            garment = _garment(user, plan, item, photos[item["photo_id"]], written)
            for other in item["extra_photos"]:
                photo_id = photos[other["photo_id"]]
                extra = GarmentPhoto.objects.create(garment=garment, photo_id=photo_id, box=other["box"])
                _keep_moments(GarmentPhoto, extra.pk, other)
            found = garment.pk
            created += 1
            known.remember(ImportedObject.Kind.GARMENT, item, found)
        mapping[item["id"]] = found
    ids = list(mapping.values())
    before = WearLog.objects.filter(garment_id__in=ids).count()
    WearLog.objects.bulk_create(
        (
            WearLog(owner=user, garment_id=mapping[item["id"]], worn_on=day)
            for item in plan.items
            for day in item["worn_on"]
        ),
        ignore_conflicts=True,
    )
    wears = WearLog.objects.filter(garment_id__in=ids).count() - before
    if wears:
        stats = (
            WearLog.objects.filter(garment_id__in=ids).values("garment").annotate(n=Count("id"), last=Max("worn_on"))
        )
        for row in stats:
            Garment.objects.filter(pk=row["garment"]).update(wear_count=row["n"], last_worn_on=row["last"])
    return mapping, created, wears


def _boxes(plan: ImportPlan, garments: dict) -> None:
    """The boxes drawn on the new photos, done or failed (one still waiting had no worker here)."""
    for record in plan.photos:
        for box in record["box_requests"] if record.get("new") else ():
            if box["status"] == BoxRequest.Status.PENDING:
                continue
            row = BoxRequest.objects.create(
                photo=box["photo"], box=box["box"], status=box["status"], garment_id=garments.get(box["item_id"])
            )
            _keep_moments(BoxRequest, row.pk, box)


def _outfits(user, plan: ImportPlan, known: _Known, garments: dict) -> tuple[dict, int]:
    mapping, created = {}, 0
    known.load(ImportedObject.Kind.OUTFIT, Outfit, plan.outfits)
    for record in plan.outfits:
        found = known.find(ImportedObject.Kind.OUTFIT, record)
        if found is None:
            outfit = Outfit.objects.create(owner=user, **record["fields"])
            OutfitItem.objects.bulk_create(
                OutfitItem(
                    outfit=outfit, garment_id=garments[e["item_id"]], x=e["x"], y=e["y"], width=e["width"], z=e["z"]
                )
                for e in record["items"]
            )
            Outfit.seasons.through.objects.bulk_create(
                Outfit.seasons.through(outfit=outfit, season_id=s) for s in record["seasons"]
            )
            _keep_moments(Outfit, outfit.pk, record)
            found = outfit.pk
            created += 1
            known.remember(ImportedObject.Kind.OUTFIT, record, found)
        mapping[record["id"]] = found
    return mapping, created


def _plans(user, plan: ImportPlan, known: _Known, outfits: dict) -> int:
    created = 0
    known.load(ImportedObject.Kind.PLAN, OutfitPlan, plan.plans)
    for record in plan.plans:
        if known.find(ImportedObject.Kind.PLAN, record) is not None:
            continue
        outfit_id = outfits[record["outfit_id"]]
        existing = OutfitPlan.objects.filter(owner=user, outfit_id=outfit_id, date=record["date"]).first()
        if existing is None:
            existing = OutfitPlan.objects.create(
                owner=user, outfit_id=outfit_id, date=record["date"], worn=record["worn"]
            )
            _keep_moments(OutfitPlan, existing.pk, record)
            created += 1
        known.remember(ImportedObject.Kind.PLAN, record, existing.pk)
    return created


def backup_restore(*, user, plan: ImportPlan) -> dict[str, int]:
    """Write a checked archive into ``user``'s account in one transaction (see the module's
    docstring). Returns the counts of what was added: ``{"photos", "garments", "wears", "outfits",
    "plans", "tags", "trips", "wishlist", "settings" (1: the preferences or weather settings
    changed), "skipped" (records the archive could not restore: a photo without its file, a garment
    without its mask or cutout)}``. Raises what the storage or the database raises (``OSError``,
    ``DatabaseError``), or ``ValidationError`` from the settings and tag services (past the most
    tags a person or an item may have); then no row stays and every file written is
    deleted. Does not close ``plan.archive``."""
    written: list = []
    try:
        with transaction.atomic():
            list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
            known = _Known(user)
            counts = {"settings": _settings(user, plan)}
            counts["tags"] = restore_extras.tags_restore(user=user, tags=plan.tags)
            photos = _photos(user, plan, known, written)
            garments, counts["garments"], counts["wears"] = _garments(user, plan, known, photos, written)
            _boxes(plan, garments)
            outfits, counts["outfits"] = _outfits(user, plan, known, garments)
            counts["plans"] = _plans(user, plan, known, outfits)
            counts["trips"] = restore_extras.trips_restore(
                user=user, trips=plan.trips, known=known, garments=garments, outfits=outfits
            )
            counts["wishlist"] = restore_extras.wishlist_restore(user=user, plan=plan, known=known, written=written)
            counts["photos"] = sum(1 for p in plan.photos if p.get("new"))
            known.save()
            counts["skipped"] = plan.skipped
    except BaseException:
        for field in written:
            field.storage.delete(field.name)
        raise
    keys = ("photos", "garments", "wears", "outfits", "plans", "tags", "trips", "wishlist", "settings", "skipped")
    return {k: counts[k] for k in keys}

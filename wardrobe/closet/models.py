"""Closet data: the taxonomy (sections, categories, types) and seasons as rows an admin can edit, photos, the
garments found in them with their colours and seasons, and the wear log. The tables are those of the first version
of the app (``wardrobe_*``, see ``db_table``), adopted by this app's first migration, so an existing installation
keeps its rows."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vocabulary.palette import COLOR_NAMES, PALETTE
from vocabulary.warmth import MAX_GARMENT_CLO
from wardrobe.closet import names
from wardrobe.closet.attribute_models import GarmentDetails
from wardrobe.closet.failures import Failure
from wardrobe.closet.version_models import GarmentRevision
from wardrobe.core.choices import currency_choices


class TaxonomyName:
    """``str()`` and ``display_name`` of a row named by its ``name`` field."""

    name: str

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language (catalogue entries from ``wardrobe.closet.names``)."""
        return gettext(self.name)


class Section(TaxonomyName, models.Model):
    """A closet section (tops, bottoms, shoes, ...)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "wardrobe_section"
        ordering = ["order", "name"]


class Category(TaxonomyName, models.Model):
    """A garment category, the detector's class (Fashionpedia apparel categories)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="categories")
    order = models.PositiveSmallIntegerField(default=0)
    warmth_clo = models.FloatField(
        _("warmth (clo)"),
        default=0.0,
        validators=[MinValueValidator(0.0)],
        help_text="Default clothing insulation (vocabulary.warmth, ISO 9920 / ASHRAE 55).",
    )

    class Meta:
        db_table = "wardrobe_category"
        ordering = ["section__order", "order", "name"]
        verbose_name_plural = "categories"


class GarmentType(TaxonomyName, models.Model):
    """A finer name inside one category (jeans inside pants, sneakers inside shoe)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="types")
    order = models.PositiveSmallIntegerField(default=0)
    warmth_clo = models.FloatField(
        _("warmth (clo)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0)],
        help_text="Empty: the category's warmth.",
    )

    class Meta:
        db_table = "wardrobe_garmenttype"
        ordering = ["category__order", "order", "name"]


class Season(TaxonomyName, models.Model):
    """A season garments and outfits are tagged with (``vocabulary.seasons``); the slug is the key."""

    slug = models.SlugField(max_length=16, primary_key=True)
    name = models.CharField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]


def _owner_path(prefix: str, owner_id: int, filename: str, suffix: str = "") -> str:
    ext = PurePosixPath(filename).suffix.lower() or ".bin"
    return f"{prefix}/{owner_id}/{uuid.uuid4().hex}{suffix}{ext}"


def photo_upload_to(instance: Photo, filename: str) -> str:
    """``photos/<owner id>/<random uuid>.<ext>``: owner-specific and unguessable."""
    return _owner_path("photos", instance.owner_id, filename)


def garment_mask_upload_to(instance: Garment, filename: str) -> str:
    """``garments/<owner id>/<random uuid>-mask.png``."""
    return _owner_path("garments", instance.owner_id, filename, "-mask")


def garment_cutout_upload_to(instance: Garment, filename: str) -> str:
    """``garments/<owner id>/<random uuid>-cutout.png``."""
    return _owner_path("garments", instance.owner_id, filename, "-cutout")


#: Folders of ``MEDIA_ROOT`` holding one sub-folder per owner id (see the ``upload_to`` functions).
OWNER_MEDIA_FOLDERS = ("photos", "garments", "matches")


class Photo(Failure):
    """An uploaded photo and the state of its processing (why it failed: ``Failure``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=photo_upload_to, max_length=255)
    original_filename = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    processing_seconds = models.FloatField(null=True, blank=True)
    phash = models.CharField(max_length=16, blank=True, help_text="imagehash phash (64 bits, hex) of the stored image.")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker started on this photo (a crash or time-out counts)."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task was last handed to the broker; empty: never (broker down)."
    )
    processing_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "wardrobe_photo"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="wardrobe_ph_owner_i_9eec1f_idx"),
            models.Index(fields=["status", "enqueued_at"], name="photo_sweep_idx"),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} ({self.original_filename or 'unnamed'})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Garment(GarmentDetails, GarmentRevision):  # attributes and stain (issue 17): closet/attribute_models.py
    """One garment found in a photo: box and mask in photo pixels, a transparent cutout, colours,
    what the user tells about it (name, brand, price, ...) and how it is worn and cared for."""

    class Status(models.TextChoices):
        REVIEW = "review", _("To review")
        CLOSET = "closet", _("In the closet")
        ARCHIVED = "archived", _("Archived")

    class ArchiveReason(models.TextChoices):
        SOLD = "sold", _("Sold")
        DONATED = "donated", _("Donated")
        LOST = "lost", _("Lost")

    class Laundry(models.TextChoices):
        CLEAN = "clean", _("Clean")
        WASH = "wash", _("In the wash")

    class Picture(models.TextChoices):
        CUTOUT = "cutout", _("Cutout")
        PHOTO = "photo", _("Original photo")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="garments")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="garments")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="garments")
    type = models.ForeignKey(GarmentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="garments")
    score = models.FloatField(help_text="Combined confidence, 0..1.")
    detector_score = models.FloatField(default=0.0)
    classifier_score = models.FloatField(default=0.0)
    x0 = models.PositiveIntegerField()
    y0 = models.PositiveIntegerField()
    x1 = models.PositiveIntegerField()
    y1 = models.PositiveIntegerField()
    mask = models.FileField(
        upload_to=garment_mask_upload_to, max_length=255, help_text="1-bit PNG at the photo's resolution."
    )
    cutout = models.FileField(
        upload_to=garment_cutout_upload_to, max_length=255, help_text="RGBA PNG cropped to the box."
    )
    guesses = models.JSONField(
        default=list, blank=True, help_text='The model\'s top guesses: [{"category", "type", "score"}], best first.'
    )
    mask_quality = models.FloatField(null=True, blank=True, help_text="The model's expected IoU of its mask, 0..1.")
    mask_edited = models.BooleanField(default=False, help_text="The mask is a person's work: strokes, a box, a merge.")
    duplicate_of = models.ForeignKey(  # "You already own this" (services.duplicates)
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Likely the same as this."
    )
    # The model's mask, cutout and box while an edited mask is shown (undo: services.garment_mask_reset).
    model_mask = models.FileField(upload_to=garment_mask_upload_to, max_length=255, blank=True)
    model_cutout = models.FileField(upload_to=garment_cutout_upload_to, max_length=255, blank=True)
    model_box = models.JSONField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CLOSET)
    archive_reason = models.CharField(_("archived because"), max_length=16, choices=ArchiveReason.choices, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    brand = models.CharField(_("brand"), max_length=120, blank=True)
    size = models.CharField(_("size"), max_length=40, blank=True)
    material = models.CharField(_("material"), max_length=120, blank=True)
    seasons = models.ManyToManyField(Season, verbose_name=_("seasons"), blank=True, related_name="garments")
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True, choices=currency_choices)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    picture = models.CharField(_("picture"), max_length=8, choices=Picture.choices, default=Picture.CUTOUT)
    laundry = models.CharField(_("laundry"), max_length=8, choices=Laundry.choices, default=Laundry.CLEAN)
    warmth_clo = models.FloatField(
        _("warmth (clo)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(MAX_GARMENT_CLO)],
        help_text=_("Empty: the default of its type or category."),
    )
    wear_count = models.PositiveIntegerField(_("times worn"), default=0)
    last_worn_on = models.DateField(_("last worn"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "wardrobe_garment"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "category"], name="wardrobe_ga_owner_i_f7285f_idx"),
            models.Index(fields=["owner", "status", "-created_at"], name="wardrobe_ga_owner_i_572435_idx"),
            models.Index(fields=["owner", "status", "wear_count"], name="wardrobe_ga_owner_i_11df43_idx"),
            # state=all and the API's default order; the section filter and most-worn sort (issue 18).
            models.Index(fields=["owner", "-created_at", "-id"], name="garment_owner_newest_idx"),
            models.Index(fields=["owner", "status", "category", "-created_at"], name="garment_owner_cat_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.category} #{self.pk}"

    @property
    def bbox(self) -> list[int]:
        """``[x0, y0, x1, y1]`` in original-photo pixels."""
        return [self.x0, self.y0, self.x1, self.y1]

    @property
    def box_width(self) -> int:
        return self.x1 - self.x0

    @property
    def box_height(self) -> int:
        return self.y1 - self.y0

    @property
    def section(self) -> Section:
        return self.category.section

    @property
    def kind(self) -> str:
        """Type or category name, in the active language."""
        return self.type.display_name if self.type_id else self.category.display_name

    @property
    def kind_label(self) -> str:
        """Category · type in the active language, one name where they repeat: ``names.kind_label``."""
        return names.kind_label(self.category.name, self.type.name if self.type_id else None)

    @property
    def label(self) -> str:
        """What the user sees: the name they gave, else the type or category name."""
        return self.name or self.kind

    @property
    def season_list(self) -> list[str]:
        """Season slugs in calendar order, e.g. ``["spring", "autumn"]`` (prefetch ``seasons``, or
        ``selectors.garments_load_related``)."""
        loaded = self.__dict__.get("loaded_seasons")
        return loaded if loaded is not None else [s.slug for s in sorted(self.seasons.all(), key=lambda s: s.order)]

    @property
    def color_list(self) -> list[GarmentColor]:
        """Its colours, largest share first (prefetch ``colors``, or ``selectors.garments_load_related``)."""
        loaded = self.__dict__.get("loaded_colors")
        return loaded if loaded is not None else sorted(self.colors.all(), key=lambda c: c.position)

    @property
    def color_name_list(self) -> list[str]:
        return [c.name for c in self.color_list]

    @property
    def dominant_color(self) -> str | None:
        """The name of its first colour, or None without colours."""
        colors = self.color_list
        return colors[0].name if colors else None

    @property
    def warmth(self) -> float:
        """Warmth in clo: the user's value, else the type's, else the category's."""
        if self.warmth_clo is not None:
            return self.warmth_clo
        if self.type_id and self.type.warmth_clo is not None:
            return self.type.warmth_clo
        return self.category.warmth_clo

    @property
    def cost_per_wear(self) -> Decimal | None:
        """``price / max(wear_count, 1)`` rounded to cents; None without a price."""
        if self.price is None:
            return None
        return (self.price / max(self.wear_count, 1)).quantize(Decimal("0.01"))


class GarmentColor(models.Model):
    """One colour of a garment: a palette ``name`` (``vocabulary.palette``), the measured ``hex``
    (``#rrggbb``; the palette's own value when the owner picked the colour) and ``fraction``, its share
    of the garment's pixels among its colours (0 when picked by the owner). ``position`` 0 is the
    dominant colour."""

    garment = models.ForeignKey(Garment, on_delete=models.CASCADE, related_name="colors")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=32, choices=[(n, n) for n in COLOR_NAMES])
    hex = models.CharField(max_length=7)
    fraction = models.FloatField(default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])

    class Meta:
        ordering = ["garment", "position"]
        constraints = [models.UniqueConstraint(fields=["garment", "name"], name="colour_once_per_garment")]
        indexes = [models.Index(fields=["name", "garment"], name="garmentcolor_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.fraction:.0%})"

    @property
    def rgb(self) -> list[int]:
        """``[r, g, b]`` (0..255) of ``hex``."""
        value = self.hex.lstrip("#")
        try:
            return [int(value[i : i + 2], 16) for i in (0, 2, 4)]
        except ValueError:
            return list(PALETTE.get(self.name, (0, 0, 0)))

    def as_dict(self) -> dict:
        """``{"rgb", "hex", "name", "fraction"}``: the colour as the API and the export show it."""
        return {"rgb": self.rgb, "hex": self.hex, "name": self.name, "fraction": self.fraction}


class WearLog(models.Model):
    """One day a garment was worn. At most one row per garment and day."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wears")
    garment = models.ForeignKey(Garment, on_delete=models.CASCADE, related_name="wears")
    worn_on = models.DateField(_("worn on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "wardrobe_wearlog"
        ordering = ["-worn_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["garment", "worn_on"], name="one_wear_per_garment_day")]
        indexes = [models.Index(fields=["owner", "-worn_on"], name="wardrobe_we_owner_i_dfa259_idx")]

    def __str__(self) -> str:
        return f"{self.garment} worn {self.worn_on}"


class BoxRequest(Failure):
    """A box a person drew on a photo around a garment the model missed, until a worker cuts it out
    (``services.photo_box_request``, ``services.box_request_process``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="box_requests")
    box = models.JSONField(help_text="[x0, y0, x1, y1] in photo pixels, x1/y1 exclusive.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    garment = models.ForeignKey(Garment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Box {self.box} on photo {self.photo_id} ({self.status})"


from wardrobe.closet.similar_models import GarmentEmbedding, GarmentPhoto, MatchRequest  # noqa: E402, F401
from wardrobe.closet.tag_models import Tag  # noqa: E402, F401
from wardrobe.closet.version_models import ClosetVersion  # noqa: E402, F401

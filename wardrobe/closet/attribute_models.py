"""A garment's attributes and stain (issue 17), as an abstract base of ``closet.Garment`` (its columns
live in the garment's table; ``closet.models`` imports this module).

* One column per attribute of ``vocabulary.attributes.ATTRIBUTES`` (``pattern``, ``sleeve``,
  ``neckline``, ``fit``, ``wash``, ``damage``): a value slug, empty when unknown or when the attribute
  does not apply to the garment's category (``Attribute.applies``).
* ``attribute_scores``: ``{name: score}``, the model's probability for the value it stored (0..1);
  a name is missing for a value a person set. ``attributes_confirmed``: the names whose value a
  person set or confirmed; a model value whose score is below the owner's review threshold and is
  not confirmed is *unsure* (:meth:`GarmentDetails.unsure_attributes`).
* The stain stage's finding (``vision.contract.StainFinding``): ``stain_found``, ``stain_area``
  (the stain's share of the garment's mask pixels), ``stain_score``, ``stain_mask`` (1-bit PNG at the
  photo's resolution, private media like the garment's mask), and ``stain_handled``: what the person
  did about it (put it in the wash, or "not a stain"); a found stain is shown until it is handled.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTES

#: Longest value slug, with room to spare.
ATTRIBUTE_MAX_LENGTH = 16


def garment_stain_upload_to(instance, filename: str) -> str:
    """``garments/<owner id>/<random uuid>-stain.png`` (owner-specific and unguessable)."""
    return f"garments/{instance.owner_id}/{uuid.uuid4().hex}-stain.png"


def _choices(name: str) -> list[tuple[str, object]]:
    return [(slug, _(label)) for slug, label in ATTRIBUTE_BY_NAME[name].values]


def _attribute_field(name: str) -> models.CharField:
    return models.CharField(
        _(ATTRIBUTE_BY_NAME[name].label),
        max_length=ATTRIBUTE_MAX_LENGTH,
        blank=True,
        choices=_choices(name),
    )


class GarmentDetails(models.Model):
    """The attribute and stain columns of ``closet.Garment`` (see the module docstring)."""

    class StainHandled(models.TextChoices):
        OPEN = "", _("Not handled")
        WASHED = "washed", _("Put in the wash")
        DISMISSED = "dismissed", _("Not a stain")

    pattern = _attribute_field("pattern")
    sleeve = _attribute_field("sleeve")
    neckline = _attribute_field("neckline")
    fit = _attribute_field("fit")
    wash = _attribute_field("wash")
    damage = _attribute_field("damage")
    attribute_scores = models.JSONField(
        default=dict, blank=True, help_text="The model's score (0..1) of each attribute value it stored, by name."
    )
    attributes_confirmed = models.JSONField(
        default=list, blank=True, help_text="Names of the attributes whose value a person set or confirmed."
    )
    stain_found = models.BooleanField(default=False, help_text="The stain stage reported a stain.")
    stain_area = models.FloatField(null=True, blank=True, help_text="The stain's share of the garment's pixels, 0..1.")
    stain_score = models.FloatField(null=True, blank=True, help_text="The model's confidence of a stain, 0..1.")
    stain_mask = models.FileField(
        upload_to=garment_stain_upload_to, max_length=255, blank=True, help_text="1-bit PNG at the photo's resolution."
    )
    stain_handled = models.CharField(max_length=16, blank=True, choices=StainHandled.choices, default="")

    class Meta:
        abstract = True

    @property
    def attribute_values(self) -> dict[str, str]:
        """``{name: value slug}`` of the attributes that have a value."""
        return {a.name: getattr(self, a.name) for a in ATTRIBUTES if getattr(self, a.name)}

    def applicable_attributes(self) -> list[str]:
        """Names of the attributes asked of this garment's category, in the vocabulary's order."""
        return [a.name for a in ATTRIBUTES if a.applies(self.category.slug)]

    def unsure_attributes(self, threshold: float) -> list[str]:
        """Names of the model's values scored below ``threshold`` (0..1) and not confirmed by a person."""
        confirmed = set(self.attributes_confirmed or [])
        return [
            name
            for name, score in (self.attribute_scores or {}).items()
            if name not in confirmed and getattr(self, name, "") and score < threshold
        ]

    @property
    def stain_shown(self) -> bool:
        """A stain was found and the person has not handled it yet: the item page outlines it."""
        return bool(self.stain_found and not self.stain_handled and self.stain_mask.name)

"""What the item page and the review cards show of a garment's attributes (issue 17)."""

from __future__ import annotations

from accounts.selectors import profile_get
from wardrobe.closet.attribute_names import attribute_label, value_label
from wardrobe.closet.models import Garment


def attribute_rows(*, user, garment: Garment, form=None) -> list[dict]:
    """One row per attribute that applies to the garment's category, in the vocabulary's order:
    ``name``, ``label``, ``value`` (slug or ""), ``value_label`` (in the active language), ``score``
    (the model's, or None), ``unsure`` (the model's value scored below the user's review threshold
    and nobody confirmed it) and ``field`` (the bound form field, when ``form`` is given)."""
    unsure = set(garment.unsure_attributes(profile_get(user=user).review_threshold))
    scores = garment.attribute_scores or {}
    rows = []
    for name in garment.applicable_attributes():
        value = getattr(garment, name)
        rows.append(
            {
                "name": name,
                "label": attribute_label(name),
                "value": value,
                "value_label": value_label(name, value),
                "score": scores.get(name),
                "unsure": name in unsure,
                "field": form[name] if form is not None else None,
            }
        )
    return rows

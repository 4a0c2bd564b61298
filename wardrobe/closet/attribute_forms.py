"""The item page's attribute fields (issue 17): one choice per attribute of
``vocabulary.attributes.ATTRIBUTES`` (empty: unknown), mixed into ``closet.forms.GarmentForm``."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy

from vocabulary.attributes import ATTRIBUTE_BY_NAME, ATTRIBUTES
from wardrobe.closet.attribute_names import attribute_label, value_choices


def _choices(name: str):
    return lambda: [("", "—"), *value_choices(name)]


def _field(name: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=lazy(attribute_label, str)(name), required=False, choices=_choices(name))


class GarmentAttributesForm(forms.Form):
    """``pattern``, ``sleeve``, ``neckline``, ``fit``, ``wash``, ``damage``: value slugs or ""."""

    pattern = _field("pattern")
    sleeve = _field("sleeve")
    neckline = _field("neckline")
    fit = _field("fit")
    wash = _field("wash")
    damage = _field("damage")

    @staticmethod
    def attribute_initial(garment) -> dict[str, str]:
        """The garment's attribute values as the form's initial data."""
        return {a.name: getattr(garment, a.name) for a in ATTRIBUTES}

    def attributes_changed(self, data: dict, category: str) -> dict[str, str]:
        """Pops the attribute fields out of ``data`` (cleaned data) and returns those the person changed
        that apply to ``category`` (the garment's category after this edit): ``services.garment_update``'s
        ``attributes`` (a value saved unchanged is not counted as confirmed)."""
        values = {a.name: data.pop(a.name, "") for a in ATTRIBUTES}
        return {
            name: value
            for name, value in values.items()
            if name in self.changed_data and ATTRIBUTE_BY_NAME[name].applies(category)
        }

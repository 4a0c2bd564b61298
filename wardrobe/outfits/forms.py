"""Outfit forms: the builder's fields and the calendar's "plan an outfit"."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vocabulary.seasons import SEASONS
from wardrobe.outfits.models import Outfit


def season_choices() -> list[tuple[str, str]]:
    return [(slug, _(name)) for slug, name in SEASONS]


class OutfitForm(forms.Form):
    """The builder's fields. ``items_json`` is the canvas layout the script writes:
    ``[{"garment": id, "x": 0..1, "y": 0..1, "width": 0.05..1, "z": int}]``; without JavaScript the
    ticked ``garment`` boxes are used instead (each at its section's default place)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    occasion = forms.ChoiceField(
        label=gettext_lazy("Occasion"), required=False, choices=[("", "—")] + list(Outfit.Occasion.choices)
    )
    seasons = forms.MultipleChoiceField(
        label=gettext_lazy("Seasons"), required=False, choices=season_choices, widget=forms.CheckboxSelectMultiple
    )
    items_json = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)
    garment = forms.TypedMultipleChoiceField(label=gettext_lazy("Items"), required=False, coerce=int, choices=())

    def __init__(self, *args, garment_ids: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["garment"].choices = [(pk, pk) for pk in garment_ids]
        self.fields["garment"].error_messages["invalid_choice"] = _("No such garment in your closet: %(value)s.")

    def clean_items_json(self) -> list | None:
        raw = self.cleaned_data.get("items_json") or ""
        if not raw.strip():
            return None
        try:
            items = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("The layout could not be read; try again."))
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise forms.ValidationError(_("The layout could not be read; try again."))
        return items

    def items(self) -> list[dict]:
        """The layout to save: the canvas's, else the ticked garments at their default places."""
        if self.cleaned_data.get("items_json") is not None:
            return self.cleaned_data["items_json"]
        return [{"garment": pk} for pk in self.cleaned_data.get("garment") or []]


class PlanForm(forms.Form):
    """The calendar's "plan an outfit" form: one of the user's outfits and a day."""

    outfit = forms.ModelChoiceField(label=gettext_lazy("Outfit"), queryset=Outfit.objects.none(), empty_label=None)
    date = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outfit"].queryset = Outfit.objects.filter(owner=user).order_by("name", "id")
        self.fields["outfit"].error_messages["invalid_choice"] = _("Choose one of your outfits.")

"""The trip form of the packing pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wardrobe.packing.rules import ACTIVITIES

ACTIVITY_LABELS = {
    "city": _("City"),
    "business": _("Business"),
    "formal": _("Formal evening"),
    "hiking": _("Hiking"),
    "sport": _("Sport"),
    "beach": _("Beach"),
}


class TripForm(forms.Form):
    """A trip: name, place (looked up by name), first and last day, activities."""

    name = forms.CharField(label=_("Trip"), max_length=120)
    place = forms.CharField(label=_("Where"), max_length=200, help_text=_("A city, as for your home location."))
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    activities = forms.MultipleChoiceField(
        label=_("Activities"),
        required=False,
        choices=[(slug, ACTIVITY_LABELS[slug]) for slug, _label in ACTIVITIES],
        widget=forms.CheckboxSelectMultiple,
    )


class TripEditForm(TripForm):
    """Editing a trip keeps its place."""

    place = None

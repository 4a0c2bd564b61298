"""The declutter page's forms: which candidates (GET) and archiving the ticked ones (POST)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from wardrobe.closet.filters import MAX_IDS
from wardrobe.closet.models import Garment
from wardrobe.stats.declutter import DEFAULT_PERIOD, DEFAULT_TOP, MAX_TOP, PERIODS, REASONS


class DeclutterForm(forms.Form):
    """``days`` (one of ``PERIODS``), ``max_cost`` (cost per wear above which an item is a
    candidate; empty: the ``top`` highest)."""

    days = forms.TypedChoiceField(
        label=_("Not worn for"),
        coerce=int,
        initial=DEFAULT_PERIOD,
        required=False,
        empty_value=DEFAULT_PERIOD,
    )
    max_cost = forms.DecimalField(
        label=_("Cost per wear above"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: the items with the highest cost per wear."),
    )
    top = forms.IntegerField(label=_("How many"), required=False, min_value=1, max_value=MAX_TOP, initial=DEFAULT_TOP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [(d, _("%(n)d days") % {"n": d}) for d in PERIODS]


class ArchiveForm(forms.Form):
    """The ticked items (``ids``) and why they leave (``reason``: donated or sold)."""

    ids = forms.TypedMultipleChoiceField(
        coerce=int, required=True, error_messages={"required": _("Tick at least one item first.")}
    )
    reason = forms.ChoiceField(
        label=_("Let them go as"), choices=[(r.value, r.label) for r in REASONS], initial=Garment.ArchiveReason.DONATED
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any positive integer ids; the service refuses another user's (nothing archived then).
        self.fields["ids"].valid_value = lambda value: str(value).isascii() and str(value).isdigit() and int(value) > 0

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > MAX_IDS:
            raise forms.ValidationError(_("At most %(n)d ids.") % {"n": MAX_IDS})
        return list(dict.fromkeys(ids))

"""Forms of the closet's bulk edit and tag pages (issue 18). They parse; the services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vocabulary.taxonomy import parse_kind
from wardrobe.closet.forms import TagsField, season_choices
from wardrobe.closet.models import Garment
from wardrobe.closet.tag_models import TAG_NAME_MAX


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


class BulkEditForm(forms.Form):
    """A bulk edit of the ticked garments: each field left empty changes nothing."""

    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": _("Tick at least one item first.")}
    )
    set_seasons = forms.BooleanField(label=_("Set the seasons to"), required=False)
    seasons = forms.MultipleChoiceField(
        label=_("Seasons"), required=False, choices=season_choices, widget=forms.CheckboxSelectMultiple
    )
    add_tags = TagsField(label=_("Add tags"), required=False, max_length=2000)
    remove_tags = TagsField(label=_("Remove tags"), required=False, max_length=2000)
    brand = forms.CharField(label=_("Brand"), required=False, max_length=120)
    laundry = forms.ChoiceField(
        label=_("Laundry"), required=False, choices=lambda: _blank(_("No change")) + list(Garment.Laundry.choices)
    )
    kind = forms.CharField(label=_("Category and type"), required=False)
    archive = forms.ChoiceField(
        label=_("Archive as"),
        required=False,
        choices=lambda: _blank(_("Don't archive")) + list(Garment.ArchiveReason.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer ids; the service refuses those that are not the user's.
        self.fields["ids"].valid_value = lambda value: str(value).isascii() and str(value).isdigit()

    def clean_kind(self):
        value = self.cleaned_data.get("kind") or ""
        if not value:
            return None
        try:
            return parse_kind(value)
        except ValueError:
            raise forms.ValidationError(_("Choose what this garment is."), code="invalid")

    def changes(self) -> dict:
        """The ``changes`` of ``services.garments_bulk_update`` (only what was filled in)."""
        data = self.cleaned_data
        out: dict = {}
        if data.get("set_seasons"):
            out["seasons"] = list(data.get("seasons") or [])
        for name in ("add_tags", "remove_tags", "brand", "laundry", "archive"):
            if data.get(name):
                out[name] = data[name]
        if data.get("kind"):
            out["category"], out["type"] = data["kind"]
        return out


class TagForm(forms.Form):
    """A tag's name (create or rename)."""

    name = forms.CharField(label=_("Tag"), max_length=TAG_NAME_MAX)

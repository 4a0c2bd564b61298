"""The wishlist page's form: it parses and checks; ``wishlist.services`` writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vocabulary.taxonomy import parse_kind
from wardrobe.core.choices import currency_choices
from wardrobe.wishlist.models import LINK_MAX, NAME_MAX, NOTES_MAX


class OptionalKindField(forms.CharField):
    """``"category:type"`` -> ``(category slug, type slug or None)``; empty: ``(None, None)``."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return (None, None)
        try:
            return parse_kind(value)
        except ValueError:
            raise forms.ValidationError(_("Choose what this garment is."), code="invalid")


class WishlistForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,.heic,.heif"}),
    )
    link = forms.URLField(label=_("Link"), max_length=LINK_MAX, required=False, assume_scheme="https")
    price = forms.DecimalField(label=_("Price"), required=False, min_value=0, max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=lambda: [("", "—")] + currency_choices())
    kind = OptionalKindField(label=_("Category and type"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTES_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_link(self):
        link = self.cleaned_data.get("link") or ""
        if link and not link.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Give an http or https link."))
        return link

    def service_kwargs(self) -> dict:
        """Keyword arguments of ``services.wishlist_item_create`` / ``wishlist_item_update`` (no photo)."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("photo", "kind")}
        data["category"], data["type"] = self.cleaned_data.get("kind") or (None, None)
        return data

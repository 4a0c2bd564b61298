"""The import page's two forms: an export zip, and a CSV of items with their photos."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from wardrobe.closet.forms import MultipleFileInput


class ImportForm(forms.Form):
    """An export zip of this app (``docs/export.md``)."""

    archive = forms.FileField(
        label=_("Export zip"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class CsvImportForm(forms.Form):
    """A zip of ``items.csv`` and photos, or a CSV and its photos (``docs/import.md``)."""

    archive = forms.FileField(
        label=_("Zip of items.csv and photos"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    csv = forms.FileField(
        label=_("or a CSV file"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    photos = forms.FileField(label=_("and its photos"), required=False, widget=MultipleFileInput())

    def clean_photos(self):
        files = self.files.getlist("photos") if hasattr(self.files, "getlist") else []
        if len(files) > settings.MAX_UPLOAD_FILES:
            raise forms.ValidationError(_("At most %(n)d photos at once.") % {"n": settings.MAX_UPLOAD_FILES})
        return files

    def clean(self):
        data = super().clean()
        if not data.get("archive") and not data.get("csv"):
            raise forms.ValidationError(_("Choose a zip, or a CSV file and its photos."))
        return data

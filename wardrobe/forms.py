from __future__ import annotations

from django import forms
from django.conf import settings

from wardrobe.models import Category, GarmentType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking several files; per-file checks happen in the upload service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files:
            raise forms.ValidationError("Choose at least one photo.")
        if len(files) > settings.MAX_UPLOAD_FILES:
            raise forms.ValidationError(f"At most {settings.MAX_UPLOAD_FILES} photos at once.")
        return list(files)


class UploadForm(forms.Form):
    images = MultipleFileField(label="Photos")


class GarmentEditForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.select_related("section"), to_field_name="slug")
    type = forms.ModelChoiceField(queryset=GarmentType.objects.select_related("category"), to_field_name="slug",
                                  required=False, empty_label="(no type)")

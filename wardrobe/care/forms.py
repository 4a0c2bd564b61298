"""The forms of the care-label page: the photo, and the fields read, for the person to correct."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vision.label_parse import parse_label
from wardrobe.care import services


class LabelPhotoForm(forms.Form):
    """The photo of the care label (checked by content in ``services.care_label_read``)."""

    image = forms.FileField(label=_("Photo of the care label"), allow_empty_file=True)


class LabelFieldsForm(forms.Form):
    """The fields read from a label, as editable text; ``composition`` and ``lining`` are written like
    the label (``cotton 60%, polyester 40%``, Korean names too) and read back by ``parse_label``."""

    composition = forms.CharField(label=_("Composition"), required=False, max_length=120)
    lining = forms.CharField(label=_("Lining"), required=False, max_length=120)
    size = forms.CharField(label=_("Size"), required=False, max_length=40)
    country = forms.CharField(label=_("Made in"), required=False, max_length=services.MAX_COUNTRY)
    care = forms.CharField(
        label=_("Care instructions"),
        required=False,
        max_length=services.MAX_CARE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def _fibres(self, name: str) -> list[dict]:
        text = self.cleaned_data.get(name, "")
        fibres = parse_label(text).composition if text.strip() else []
        if text.strip() and not fibres:
            raise forms.ValidationError(_("Write fibres and percentages, for example: cotton 60%, polyester 40%."))
        return fibres

    def clean_composition(self) -> list[dict]:
        return self._fibres("composition")

    def clean_lining(self) -> list[dict]:
        return self._fibres("lining")

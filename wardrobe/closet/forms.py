"""Web forms. They only parse and validate input; services do the writes."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vocabulary.palette import COLOR_NAMES
from vocabulary.seasons import SEASONS
from vocabulary.taxonomy import kind_value, parse_kind
from vocabulary.warmth import MAX_GARMENT_CLO
from wardrobe.closet.attribute_forms import GarmentAttributesForm
from wardrobe.closet.models import Garment
from wardrobe.core.choices import currency_choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking several files; per-file checks happen in the upload service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files:
            raise forms.ValidationError(_("Choose at least one photo."))
        if len(files) > settings.MAX_UPLOAD_FILES:
            raise forms.ValidationError(_("At most %(n)d photos at once.") % {"n": settings.MAX_UPLOAD_FILES})
        return list(files)


class UploadForm(forms.Form):
    images = MultipleFileField(label=_("Photos"))


def color_choices() -> list[tuple[str, str]]:
    return [(name, gettext(name)) for name in COLOR_NAMES]


def season_choices() -> list[tuple[str, str]]:
    return [(slug, gettext(name)) for slug, name in SEASONS]


class KindField(forms.CharField):
    """``"category:type"`` (``vocabulary.taxonomy.kind_value``) -> ``(category slug, type slug or None)``."""

    def to_python(self, value):
        try:
            return parse_kind(super().to_python(value))
        except ValueError:
            raise forms.ValidationError(_("Choose what this garment is."), code="invalid")


class TagsField(forms.CharField):
    """Comma-separated tag names (issue 18) -> a list, blanks left out; each name is checked by
    ``services.garment_tags_set``."""

    def to_python(self, value):
        return [part.strip() for part in (super().to_python(value) or "").split(",") if part.strip()]


class GarmentForm(GarmentAttributesForm):
    """Everything a user can edit on an item page. ``kind`` is ``"category:type"``; the attributes'
    fields come from ``GarmentAttributesForm``."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    kind = KindField(label=_("Category and type"))
    colors = forms.MultipleChoiceField(
        label=_("Colours"), required=False, choices=color_choices, widget=forms.CheckboxSelectMultiple
    )
    brand = forms.CharField(label=_("Brand"), max_length=120, required=False)
    size = forms.CharField(label=_("Size"), max_length=40, required=False)
    material = forms.CharField(label=_("Material"), max_length=120, required=False)
    tags = TagsField(label=_("Tags"), required=False, max_length=2000)
    seasons = forms.MultipleChoiceField(
        label=_("Seasons"), required=False, choices=season_choices, widget=forms.CheckboxSelectMultiple
    )
    price = forms.DecimalField(label=_("Price"), required=False, min_value=0, max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=lambda: [("", "—")] + currency_choices())
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    picture = forms.ChoiceField(label=_("Picture"), choices=Garment.Picture.choices, widget=forms.RadioSelect)
    laundry = forms.ChoiceField(label=_("Laundry"), choices=Garment.Laundry.choices, widget=forms.RadioSelect)
    warmth_clo = forms.FloatField(
        label=_("Warmth (clo)"),
        required=False,
        min_value=0,
        max_value=MAX_GARMENT_CLO,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )  # empty: the default

    @classmethod
    def initial_for(cls, garment: Garment) -> dict:
        return {
            "name": garment.name,
            "kind": kind_value(garment.category.slug, garment.type.slug if garment.type_id else None),
            "colors": garment.color_name_list,
            "brand": garment.brand,
            "size": garment.size,
            "material": garment.material,
            "seasons": garment.season_list,
            "tags": ", ".join(sorted((t.name for t in garment.tags.all()), key=str.casefold)),
            "price": garment.price,
            "currency": garment.currency,
            "purchase_date": garment.purchase_date,
            "notes": garment.notes,
            "picture": garment.picture,
            "laundry": garment.laundry,
            "warmth_clo": garment.warmth_clo,
            **cls.attribute_initial(garment),
        }

    def service_kwargs(self) -> dict:
        """Keyword arguments for ``services.garment_update``."""
        data = dict(self.cleaned_data)
        data["category"], data["type"] = data.pop("kind")
        data["attributes"] = self.attributes_changed(data, data["category"])
        return data


class ArchiveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is it leaving?"), choices=Garment.ArchiveReason.choices)


class BulkForm(forms.Form):
    """Closet bulk actions on the ticked garments."""

    ACTIONS = [("wear", _("Worn today")), ("wash", _("In the wash")), ("clean", _("Clean"))]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": _("Tick at least one item first.")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer ids; the view keeps only the user's own.
        self.fields["ids"].valid_value = lambda value: str(value).isascii() and str(value).isdigit()

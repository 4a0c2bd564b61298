"""The care-label page, reached from the item page: upload a photo of the label, see the fields read
in an editable form, confirm. No JavaScript needed; the services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vision.label_parse import composition_text
from wardrobe.care import services
from wardrobe.care.forms import LabelFieldsForm, LabelPhotoForm
from wardrobe.closet.views.lookups import garment_or_404


def _page(request, garment, *, photo_form=None, fields_form=None, fields=None, status=200):
    context = {
        "garment": garment,
        "photo_form": photo_form or LabelPhotoForm(),
        "fields_form": fields_form,
        "fields": fields,
    }
    return render(request, "care/label.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def label_read(request, garment_id: int):
    """GET: the upload form. POST: read the photo and show the fields in an editable form (nothing
    saved); a photo that is not an image, empty or too big: the form again with the message (400)."""
    garment = garment_or_404(request, garment_id)
    if request.method == "GET":
        return _page(request, garment)
    photo_form = LabelPhotoForm(request.POST, request.FILES)
    if not photo_form.is_valid():
        return _page(request, garment, photo_form=photo_form, status=400)
    try:
        fields = services.care_label_read(garment=garment, uploaded_file=photo_form.cleaned_data["image"])
    except ValidationError as exc:
        photo_form.add_error("image", exc)
        return _page(request, garment, photo_form=photo_form, status=400)
    except services.LabelReaderUnavailable:
        photo_form.add_error("image", _("The label reader is not available on this server."))
        return _page(request, garment, photo_form=photo_form, status=503)
    if not fields.readable:
        messages.info(request, _("No text could be read on this photo. Try a sharper, closer photo of the label."))
        return _page(request, garment)
    initial = {
        "composition": composition_text(fields.composition),
        "lining": composition_text(fields.lining),
        "size": fields.size,
        "country": fields.country,
        "care": fields.care,
    }
    return _page(request, garment, fields_form=LabelFieldsForm(initial=initial), fields=fields)


@login_required
@require_POST
def label_confirm(request, garment_id: int):
    """Save the fields as the person corrected them onto the garment, then back to the item page."""
    garment = garment_or_404(request, garment_id)
    form = LabelFieldsForm(request.POST)
    if form.is_valid():
        try:
            services.care_label_confirm(garment=garment, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The care label's details were saved."))
            return redirect("closet:garment-detail", garment.pk)
    return _page(request, garment, fields_form=form, status=400)

"""Pages of the fixes a person makes to what the model found: the cutout editor (strokes, through the
API, by ``static/js/fix.js``), and the forms of the photo and item pages: add a garment by its box,
run a photo again, undo a cutout's edits, merge two garments. Each form works without JavaScript
too (the box as four numbers); the services do the work."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wardrobe.closet import selectors, services
from wardrobe.closet.queue import QueueUnavailable
from wardrobe.closet.views.lookups import garment_or_404, photo_or_404
from wardrobe.core.http import safe_next


class BoxForm(forms.Form):
    """The box of a garment the model missed, in photo pixels (the photo page's fallback form)."""

    x0 = forms.IntegerField()
    y0 = forms.IntegerField()
    x1 = forms.IntegerField()
    y1 = forms.IntegerField()


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def garment_mask_edit(request, garment_id: int):
    """The cutout editor: paint what to keep and what to erase over the photo."""
    garment = garment_or_404(request, garment_id)
    return render(
        request,
        "closet/mask_edit.html",
        {
            "garment": garment,
            "photo": garment.photo,
            "back": safe_next(request, reverse("closet:garment-detail", args=[garment.pk])),
        },
    )


@login_required
@require_POST
def garment_mask_undo(request, garment_id: int):
    """Undo a cutout's edits: the model's mask again."""
    garment = garment_or_404(request, garment_id)
    try:
        services.garment_mask_reset(garment=garment)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The model's cutout is back."))
    return redirect(safe_next(request, reverse("closet:garment-detail", args=[garment.pk])))


@login_required
@require_POST
def garment_merge(request, garment_id: int):
    """Merge the garment ``other`` of the same photo into this one; back to the photo page."""
    garment = garment_or_404(request, garment_id)
    try:
        other_id = forms.IntegerField(min_value=1).clean(request.POST.get("other"))
        other = selectors.garments_by_ids(user=request.user, ids=[other_id]).first()
        if other is None:
            raise ValidationError(_("Choose another garment of this photo."))
        services.garments_merge(garment=garment, other=other)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Merged into one garment."))
    return redirect("closet:photo-detail", photo_id=garment.photo_id)


@login_required
@require_POST
def photo_add_garment(request, photo_id: int):
    """Add a garment the model missed from its box (four numbers, photo pixels)."""
    photo = photo_or_404(request, photo_id)
    form = BoxForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the box as four whole numbers of pixels."))
        box = [form.cleaned_data[k] for k in ("x0", "y0", "x1", "y1")]
        services.photo_box_request(photo=photo, box=box)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except QueueUnavailable:
        messages.error(request, _("The garment finder cannot be reached right now. Try again in a minute."))
    else:
        messages.success(request, _("Looking for the garment in your box… it will wait for you in the review queue."))
    return redirect("closet:photo-detail", photo_id=photo.pk)


@login_required
@require_POST
def photo_rerun(request, photo_id: int):
    """Run the photo again with the current models."""
    photo = photo_or_404(request, photo_id)
    try:
        photo = services.photo_rerun(photo=photo)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Running this photo again. Garments you confirmed or changed stay as they are."))
    return redirect("closet:photo-detail", photo_id=photo.pk)

"""The item page and its actions: edit, wear, laundry, archive, delete."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wardrobe.closet import selectors, services, tag_selectors
from wardrobe.closet.forms import ArchiveForm, GarmentForm
from wardrobe.closet.views.attributes import attribute_rows
from wardrobe.closet.views.lookups import garment_or_404, kind_choices
from wardrobe.closet.views.similar import item_page_context
from wardrobe.core.http import safe_next


@login_required
@require_http_methods(["GET", "POST"])
def garment_detail(request, garment_id: int):
    garment = garment_or_404(request, garment_id)
    form = GarmentForm(request.POST or None, initial=GarmentForm.initial_for(garment))
    if request.method == "POST" and form.is_valid():
        try:
            services.garment_update(garment=garment, **form.service_kwargs())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = "kind" if field in ("category", "type") else field
                form.add_error(target if target in form.fields else None, errors)
        else:
            messages.success(request, _("Saved."))
            return redirect("closet:garment-detail", garment_id=garment.pk)
    wears = list(selectors.wear_list(user=request.user, garment_id=garment.pk)[:10])
    return render(
        request,
        "closet/garment_detail.html",
        {
            "garment": garment,
            "photo": garment.photo,
            "form": form,
            "archive_form": ArchiveForm(),
            "categories": kind_choices(),
            "wears": wears,
            "today": timezone.localdate(),
            "worn_today": bool(wears) and wears[0].worn_on == timezone.localdate(),
            "names": selectors.kind_names(),
            "tag_names": tag_selectors.tag_names(user=request.user),  # issue 18: the tags field's suggestions
            "attribute_rows": attribute_rows(user=request.user, garment=garment, form=form),  # issue 17
            **item_page_context(user=request.user, garment=garment),  # issue 16: similar items, more photos
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def garment_wear(request, garment_id: int):
    garment = garment_or_404(request, garment_id)
    try:
        services.garments_wear(garments=[garment])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as worn today."))
    return redirect(safe_next(request, reverse("closet:garment-detail", args=[garment.pk])))


@login_required
@require_POST
def garment_unwear(request, garment_id: int):
    garment = garment_or_404(request, garment_id)
    try:
        day = forms.DateField().clean(request.POST.get("date"))
    except forms.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        services.garment_unwear(garment=garment, on=day)
        messages.success(request, _("Wear removed."))
    return redirect("closet:garment-detail", garment_id=garment.pk)


@login_required
@require_POST
def garment_laundry(request, garment_id: int):
    garment = garment_or_404(request, garment_id)
    try:
        services.garments_set_laundry(garments=[garment], laundry=request.POST.get("laundry", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(safe_next(request, reverse("closet:garment-detail", args=[garment.pk])))


@login_required
@require_POST
def garment_archive(request, garment_id: int):
    garment = garment_or_404(request, garment_id)
    form = ArchiveForm(request.POST)
    try:
        if request.POST.get("unarchive"):
            services.garment_unarchive(garment=garment)
            messages.success(request, _("Back in the closet."))
        elif form.is_valid():
            services.garment_archive(garment=garment, reason=form.cleaned_data["reason"])
            messages.success(request, _("Archived. You can still find it under Archived."))
        else:
            messages.error(request, _("Choose sold, donated or lost."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("closet:garment-detail", garment_id=garment.pk)


@login_required
@require_POST
def garment_delete(request, garment_id: int):
    garment = garment_or_404(request, garment_id)
    photo_id = garment.photo_id
    services.garment_delete(garment=garment)
    messages.success(request, _("Garment deleted."))
    next_url = request.POST.get("next")
    if next_url == "photo":
        return redirect("closet:photo-detail", photo_id=photo_id)
    return redirect("closet:closet")


@login_required
@require_POST
def garment_stain(request, garment_id: int):
    """The item page's stain buttons (issue 17): ``action=wash`` puts it in the wash, ``action=dismiss``
    says it is not a stain."""
    garment = garment_or_404(request, garment_id)
    action = request.POST.get("action")
    try:
        if action == "wash":
            services.garment_stain_wash(garment=garment)
            messages.success(request, _("Put in the wash."))
        elif action == "dismiss":
            services.garment_stain_dismiss(garment=garment)
            messages.success(request, _("Noted: not a stain."))
        else:
            messages.error(request, _("Choose what to do about the stain."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(safe_next(request, reverse("closet:garment-detail", args=[garment.pk])))

"""Pages of "You already own this" (issue 16): the answer for a garment marked as one the owner has
already ("It's the same" / "Keep both", from the review queue or the item page), the similar items
of the item page, and "Do I own something like this?" (a photo compared with the closet, nothing
kept). Thin: ``closet.selectors`` and ``closet.services`` do the work."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from wardrobe.closet import selectors, services
from wardrobe.closet.models import Garment
from wardrobe.closet.views.lookups import garment_or_404
from wardrobe.core.http import safe_next


def ranked_garments(*, user, ranked: list[dict]) -> list[tuple[Garment, float]]:
    """``(garment, similarity)`` of the user's garments named in ``ranked`` (``[{"id", "similarity"}]``),
    in that order."""
    garments = {g.pk: g for g in selectors.garments_by_ids(user=user, ids=[r["id"] for r in ranked])}
    return [(garments[r["id"]], r["similarity"]) for r in ranked if r["id"] in garments]


def item_page_context(*, user, garment: Garment) -> dict:
    """What the item page shows of issue 16: ``similar`` (up to 6 ``(garment, similarity)``),
    ``extra_photos`` (``GarmentPhoto`` rows) and ``duplicate_of`` (the garment it likely repeats, or None)."""
    return {
        "similar": ranked_garments(user=user, ranked=selectors.garment_similar(user=user, garment=garment)),
        "extra_photos": list(selectors.extra_photos_of(user=user, garment_id=garment.pk)),
    }


@login_required
@require_POST
def garment_duplicate(request, garment_id: int):
    """``same=1``: "It's the same" (the photo joins the owned item, this garment goes; then the owned
    item's page unless ``next``); ``same=0``: "Keep both"."""
    garment = garment_or_404(request, garment_id)
    same = request.POST.get("same") == "1"
    try:
        kept = services.garment_duplicate_resolve(garment=garment, same=same)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(safe_next(request, reverse("closet:garment-detail", args=[garment.pk])))
    if same:
        messages.success(request, _("Added as another photo of %(name)s.") % {"name": kept.label})
        fallback = reverse("closet:garment-detail", args=[kept.pk])
        next_url = safe_next(request, fallback)
        # The page of the garment just removed is gone: go to the owned item's instead.
        return redirect(fallback if next_url == reverse("closet:garment-detail", args=[garment.pk]) else next_url)
    messages.success(request, _("Kept as a separate item."))
    return redirect(safe_next(request, reverse("closet:garment-detail", args=[garment.pk])))


class MatchForm(forms.Form):
    image = forms.FileField(label=gettext_lazy("Photo"), allow_empty_file=True)


@login_required
@require_http_methods(["GET", "POST"])
def closet_match(request):
    """ "Do I own something like this?": a form for one photo; the answer lists the closet's most
    alike items (``services.closet_match``; the photo is not kept). A bad file: 400 with the
    sentence; no worker in time: 503 with ``Retry-After`` and the sentence."""
    form = MatchForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "wait": int(settings.MATCH_WAIT_SECONDS)}
    status, retry_after = 200, 0
    if request.method == "POST":
        if form.is_valid():
            try:
                answer = services.closet_match(owner=request.user, uploaded_file=form.cleaned_data["image"])
            except ValidationError as exc:
                form.add_error("image", exc.messages)
            except services.MatchUnavailable as exc:
                context["unavailable"], status, retry_after = str(exc), 503, exc.retry_after
            else:
                context["answer"] = answer
                context["matches"] = ranked_garments(user=request.user, ranked=answer["matches"])
        if form.errors:
            status = 400
    response = render(request, "closet/match.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response

"""Photo pages: the bulk upload, the photo list and page, reviewing a photo's garments and the
review queue, retry and delete."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vocabulary.attributes import ATTRIBUTE_BY_NAME
from wardrobe.closet import selectors, services
from wardrobe.closet.forms import KindField, UploadForm
from wardrobe.closet.models import Garment
from wardrobe.closet.views.lookups import kind_choices, kind_from_text, kind_options, photo_or_404
from wardrobe.core.http import safe_next

#: How many of the latest photos the upload page shows.
RECENT_PHOTOS = 8


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """Bulk upload. With JavaScript the page sends each file to the API itself (progress bars and
    live status); this POST handler is the no-JavaScript fallback. A POST is always validated, so
    one without files (or not multipart at all) gets the form's error and a 400. Files refused
    because ``MAX_PENDING_PHOTOS`` photos of the user wait already get that sentence, and the page a
    429 with ``Retry-After``."""
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    results: list[dict] = []
    retry_after = 0
    if request.method == "POST" and form.is_valid():
        for f in form.cleaned_data["images"]:
            try:
                photo = services.photo_create(owner=request.user, uploaded_file=f)
                results.append({"name": f.name, "photo": photo})
            except ValidationError as exc:
                results.append({"name": f.name, "error": " ".join(exc.messages)})
                retry_after = max(retry_after, getattr(exc, "retry_after", 0))
        ok = [r for r in results if "photo" in r]
        if ok and len(ok) == len(results):
            messages.success(
                request,
                ngettext(
                    "%(n)d photo uploaded; processing has started.",
                    "%(n)d photos uploaded; processing has started.",
                    len(ok),
                )
                % {"n": len(ok)},
            )
            return redirect("closet:photo-list")
        form = UploadForm()
    status_code = 400 if any("error" in r for r in results) or (request.method == "POST" and form.errors) else 200
    response = render(
        request,
        "closet/upload.html",
        {
            "form": form,
            "results": results,
            "max_files": settings.MAX_UPLOAD_FILES,
            "recent": selectors.photo_list(user=request.user)[:RECENT_PHOTOS],
        },
        status=429 if retry_after else status_code,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_GET
def photo_list(request):
    page = Paginator(selectors.photo_list(user=request.user), 48).get_page(request.GET.get("page"))
    pending = any(not p.is_finished for p in page)
    return render(request, "closet/photo_list.html", {"page": page, "refresh": pending})


@login_required
@require_GET
def photo_detail(request, photo_id: int):
    photo = photo_or_404(request, photo_id)
    garments = list(selectors.garment_list(user=request.user, filters={"photo": photo.pk}))
    to_review = [g for g in garments if g.status == Garment.Status.REVIEW]
    for g in garments:  # what _garment_card.html shows (selectors.garment_cards on the closet page)
        g.card_hexes = [c.hex for c in g.color_list[:3]]
    return render(
        request,
        "closet/photo_detail.html",
        {
            "photo": photo,
            "garments": garments,
            "to_review": to_review,
            "refresh": not photo.is_finished,
            "categories": kind_choices(),
            "names": selectors.kind_names(),
        },
    )


@login_required
@require_POST
def photo_review(request, photo_id: int):
    """Review every garment of a photo at once: ``kind-<garment id>`` is ``category:type`` (confirm
    as that), ``other`` (confirm as ``other-<garment id>``: what was typed in the picker, a label in
    any language or a ``category:type``, see ``kind_from_text``) or ``reject`` (not a garment);
    garments not in the form stay as they are. One transaction: all or nothing. Without JavaScript
    the review page posts here; with it, its script sends each decision to the API."""
    photo = photo_or_404(request, photo_id)
    garments = {g.pk: g for g in selectors.garment_list(user=request.user, filters={"photo": photo.pk})}
    confirmed = rejected = 0
    try:
        with transaction.atomic():
            for key, value in request.POST.items():
                if not key.startswith("kind-") or not (key[5:].isascii() and key[5:].isdigit()):
                    continue
                garment = garments.get(int(key[5:]))
                if garment is None:
                    continue
                if value == "reject":
                    services.garment_reject(garment=garment)
                    rejected += 1
                else:
                    if value == "other":
                        value = kind_from_text(request.POST.get(f"other-{garment.pk}", ""))
                    try:
                        category, type_slug = KindField().clean(value)
                    except forms.ValidationError as exc:
                        raise ValidationError(exc.messages)
                    prefix = f"attr-{garment.pk}-"  # issue 17: the card's unsure attributes
                    attributes = {
                        name: v
                        for k, v in request.POST.items()
                        if k.startswith(prefix)
                        and (name := k[len(prefix) :]) in ATTRIBUTE_BY_NAME
                        and ATTRIBUTE_BY_NAME[name].applies(category)
                    }
                    services.garment_confirm(garment=garment, category=category, type=type_slug, attributes=attributes)
                    confirmed += 1
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(c)d confirmed, %(r)d rejected.") % {"c": confirmed, "r": rejected})
    return redirect(safe_next(request, reverse("closet:photo-detail", args=[photo.pk])))


@login_required
@require_POST
def photo_confirm_all(request, photo_id: int):
    photo = photo_or_404(request, photo_id)
    n = services.photo_confirm_all(photo=photo)
    messages.success(
        request, ngettext("%(n)d garment added to the closet.", "%(n)d garments added to the closet.", n) % {"n": n}
    )
    return redirect(safe_next(request, reverse("closet:photo-detail", args=[photo.pk])))


#: Garments the review page shows at once (the next ones come with the next visit, once these are
#: decided): 200 cards made a 1.4 MB page taking 400-600 ms (issue 18 point 10).
REVIEW_PAGE_SIZE = 50


@login_required
@require_GET
def review(request):
    """The review queue, grouped by photo; each photo is one form (see ``photo_review``), each garment
    a card that the page's script (``static/js/review.js``) saves on its own through the API."""
    garments = list(selectors.review_queue(user=request.user)[:REVIEW_PAGE_SIZE])
    groups: dict[int, dict] = {}
    for g in garments:
        groups.setdefault(g.photo_id, {"photo": g.photo, "garments": []})["garments"].append(g)
    return render(
        request,
        "closet/review.html",
        {
            "groups": list(groups.values()),
            "count": selectors.review_count(user=request.user),
            "shown": len(garments),
            "kind_options": kind_options(),
            "names": selectors.kind_names(),
        },
    )


@login_required
@require_POST
def review_confirm_all(request):
    photos = {g.photo for g in selectors.review_queue(user=request.user)}
    n = sum(services.photo_confirm_all(photo=p) for p in photos)
    messages.success(
        request, ngettext("%(n)d garment added to the closet.", "%(n)d garments added to the closet.", n) % {"n": n}
    )
    return redirect("closet:review")


@login_required
@require_POST
def photo_delete(request, photo_id: int):
    photo = photo_or_404(request, photo_id)
    services.photo_delete(photo=photo)
    messages.success(request, _("Photo deleted."))
    return redirect("closet:photo-list")


@login_required
@require_POST
def photo_retry(request, photo_id: int):
    photo = photo_or_404(request, photo_id)
    try:
        services.photo_requeue(photo=photo)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("closet:photo-detail", photo_id=photo.pk)

"""The wishlist page (``/wishlist/``: the list with the owned items like each, and a form to add one),
an item's edit page, its delete, and its photo (to its owner only)."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vocabulary.taxonomy import kind_value
from wardrobe.closet.views.lookups import kind_choices
from wardrobe.core.media import PrivateMediaView, send_private_file
from wardrobe.wishlist import selectors, services
from wardrobe.wishlist.forms import WishlistForm
from wardrobe.wishlist.models import WishlistItem

_CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def photo_url(item: WishlistItem) -> str:
    """The owner-checked URL of the item's photo, versioned by its stored name (``?v=``)."""
    version = hashlib.sha256(item.photo.name.encode()).hexdigest()[:12]
    return f"{reverse('wishlist:photo', args=[item.pk])}?v={version}"


def _item_or_404(request, item_id: int) -> WishlistItem:
    try:
        return selectors.wishlist_get(user=request.user, item_id=item_id)
    except WishlistItem.DoesNotExist:
        raise Http404("No such wishlist item.")


def _form_errors(form: WishlistForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        target = "kind" if field in ("category", "type") else field
        form.add_error(target if target in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def wishlist(request):
    form = WishlistForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.wishlist_item_create(
                owner=request.user, photo=form.cleaned_data.get("photo"), **form.service_kwargs()
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Added to your wishlist."))
            return redirect("wishlist:wishlist")
    items = list(selectors.wishlist_list(user=request.user))
    similar = selectors.wishlist_similar(user=request.user, items=items)
    return render(
        request,
        "wishlist/wishlist.html",
        {
            "rows": [(item, similar.get(item.pk, [])) for item in items],
            "form": form,
            "categories": kind_choices(),
            "open_form": bool(form.errors) or not items,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def wishlist_item(request, item_id: int):
    item = _item_or_404(request, item_id)
    initial = {
        "name": item.name,
        "link": item.link,
        "price": item.price,
        "currency": item.currency,
        "notes": item.notes,
        "kind": kind_value(item.category.slug, item.type.slug if item.type_id else None) if item.category_id else "",
    }
    form = WishlistForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data.get("photo")
        if request.POST.get("remove_photo"):
            photo = None
        elif photo is None:
            photo = services.KEEP
        try:
            services.wishlist_item_update(item=item, photo=photo, **form.service_kwargs())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("wishlist:wishlist")
    return render(
        request,
        "wishlist/item.html",
        {"item": item, "form": form, "categories": kind_choices()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def wishlist_item_delete(request, item_id: int):
    item = _item_or_404(request, item_id)
    services.wishlist_item_delete(item=item)
    messages.success(request, _("Removed from your wishlist."))
    return redirect("wishlist:wishlist")


class WishlistPhotoView(PrivateMediaView):
    """A wishlist item's photo, to its owner only (someone else's id is a 404, like a missing one)."""

    def get(self, request, item_id: int):
        item = _item_or_404(request, item_id)
        if not item.photo.name:
            raise Http404("No photo.")
        ext = "." + item.photo.name.rsplit(".", 1)[-1].lower()
        return send_private_file(
            request,
            item.photo,
            _CONTENT_TYPES.get(ext, "image/jpeg"),
            f"wish-{item.pk}{ext if ext in _CONTENT_TYPES else '.jpg'}",
        )

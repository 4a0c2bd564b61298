"""Tags and bulk edit on the pages (issue 18): the tags page (create, rename, delete; each tag links
to the closet filtered by it) and the bulk edit of the closet's ticked items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from wardrobe.closet import services, tag_selectors
from wardrobe.closet.bulk_forms import BulkEditForm, TagForm
from wardrobe.closet.tag_models import Tag
from wardrobe.core.http import safe_next


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _tag_or_404(request, tag_id: int) -> Tag:
    try:
        return tag_selectors.tag_get(user=request.user, tag_id=tag_id)
    except Tag.DoesNotExist:
        raise Http404("No such tag.")


@login_required
@require_http_methods(["GET", "POST"])
def tag_list(request):
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = services.tag_create(owner=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", _errors(exc))
        else:
            messages.success(request, _("Tag “%(name)s” created.") % {"name": tag.name})
            return redirect("closet:tags")
    return render(
        request,
        "closet/tags.html",
        {"tags": tag_selectors.tag_list(user=request.user), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def tag_rename(request, tag_id: int):
    tag = _tag_or_404(request, tag_id)
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("closet:tags")
    old = tag.name
    try:
        services.tag_rename(tag=tag, name=form.cleaned_data["name"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("“%(old)s” is now “%(new)s”.") % {"old": old, "new": tag.name})
    return redirect("closet:tags")


@login_required
@require_POST
def tag_delete(request, tag_id: int):
    tag = _tag_or_404(request, tag_id)
    services.tag_delete(tag=tag)
    messages.success(request, _("Tag “%(name)s” deleted; the items keep everything else.") % {"name": tag.name})
    return redirect("closet:tags")


@login_required
@require_POST
def closet_bulk_edit(request):
    form = BulkEditForm(request.POST)
    back = safe_next(request, reverse("closet:closet"))
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    changes = form.changes()
    if not changes:
        messages.error(request, _("Choose at least one change."))
        return redirect(back)
    try:
        n = services.garments_bulk_update(user=request.user, ids=form.cleaned_data["ids"], changes=changes)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, ngettext("%(n)d item updated.", "%(n)d items updated.", n) % {"n": n})
    return redirect(back)

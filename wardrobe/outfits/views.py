"""Outfit pages: the builder, the outfit list and page, wearing and planning an outfit, and its
picture drawn on the server. Thin: ``selectors`` read, ``services`` write, all scoped to request.user."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_GET, require_http_methods, require_POST

from vocabulary.roles import DEFAULT_PLACES
from wardrobe.closet import selectors as closet_selectors
from wardrobe.closet.picture_urls import garment_picture_url
from wardrobe.core.http import safe_next
from wardrobe.outfits import render as outfit_render
from wardrobe.outfits import selectors, services
from wardrobe.outfits.forms import OutfitForm, season_choices
from wardrobe.outfits.models import Outfit


def outfit_or_404(request, outfit_id: int) -> Outfit:
    try:
        return selectors.outfit_get(user=request.user, outfit_id=outfit_id)
    except Outfit.DoesNotExist:
        raise Http404("No such outfit.")


def errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def date_text(day: dt.date) -> str:
    return date_format(day, "DATE_FORMAT")


# --- the builder -----------------------------------------------------------------------------------


def _picture_url(garment) -> str:
    return garment_picture_url(garment)


def _builder(request, outfit: Outfit | None):
    closet = list(closet_selectors.garment_list(user=request.user, filters={"state": "closet"})[:1000])
    known = {g.pk: g for g in closet}
    if outfit is not None:
        for item in outfit.items.all():
            known.setdefault(item.garment_id, item.garment)
    initial = {}
    layout = []
    if outfit is not None:
        initial = {"name": outfit.name, "occasion": outfit.occasion, "seasons": outfit.season_list}
        layout = [
            {"garment": i.garment_id, "x": i.x, "y": i.y, "width": i.width, "z": i.z}
            for i in selectors.outfit_items(outfit)
        ]
    form = OutfitForm(request.POST or None, initial=initial, garment_ids=list(known))
    if request.method == "POST":
        if form.is_valid():
            try:
                if outfit is None:
                    outfit = services.outfit_create(
                        owner=request.user,
                        name=form.cleaned_data["name"],
                        items=form.items(),
                        occasion=form.cleaned_data["occasion"],
                        seasons=form.cleaned_data["seasons"],
                    )
                    messages.success(request, _("Outfit saved."))
                else:
                    services.outfit_update(
                        outfit=outfit,
                        name=form.cleaned_data["name"],
                        items=form.items(),
                        occasion=form.cleaned_data["occasion"],
                        seasons=form.cleaned_data["seasons"],
                    )
                    messages.success(request, _("Outfit updated."))
                return redirect("outfits:outfit-detail", outfit_id=outfit.pk)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in ("name", "occasion", "seasons") else None, errors)
        if isinstance(form.cleaned_data.get("items_json"), list):
            layout = form.cleaned_data["items_json"]
        elif form.cleaned_data.get("garment"):
            layout = [{"garment": pk} for pk in form.cleaned_data["garment"]]
    # What the canvas starts with: only garments the user may see, with their picture.
    shown = []
    for item in layout:
        try:
            pk = int(item.get("garment"))
        except (TypeError, ValueError):
            continue
        if pk in known:
            shown.append(
                {
                    **{k: item[k] for k in ("x", "y", "width", "z") if isinstance(item.get(k), (int, float))},
                    "garment": pk,
                    "src": _picture_url(known[pk]),
                    "label": known[pk].label,
                    "section": known[pk].category.section.slug,
                }
            )
    sections = {}
    for g in closet:
        sections.setdefault(g.category.section.slug, g.category.section)
    return render(
        request,
        "outfits/builder.html",
        {
            "form": form,
            "outfit": outfit,
            "closet": closet,
            "sections": sorted(sections.values(), key=lambda s: (s.order, s.name)),
            "on_canvas": {item["garment"] for item in shown},
            "builder_data": {"items": shown, "places": DEFAULT_PLACES},
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def outfit_new(request):
    return _builder(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def outfit_edit(request, outfit_id: int):
    return _builder(request, outfit_or_404(request, outfit_id))


# --- list, page, picture ---------------------------------------------------------------------------


@login_required
@require_GET
def outfit_list(request):
    occasion = request.GET.get("occasion") or ""
    season = request.GET.get("season") or ""
    occasion = occasion if occasion in Outfit.Occasion.values else ""
    seasons = season_choices()
    season = season if season in dict(seasons) else ""
    qs = selectors.outfit_list(user=request.user, filters={"occasion": occasion, "season": season})
    page = Paginator(qs, 24).get_page(request.GET.get("page"))
    labels = dict(seasons)
    for outfit in page.object_list:
        outfit.clo = selectors.outfit_clo(outfit)
        outfit.season_labels = [labels[s] for s in outfit.season_list if s in labels]
    return render(
        request,
        "outfits/list.html",
        {
            "page": page,
            "occasion": occasion,
            "season": season,
            "occasions": Outfit.Occasion.choices,
            "seasons": seasons,
            "filtered": bool(occasion or season),
        },
    )


@login_required
@require_GET
def outfit_detail(request, outfit_id: int):
    outfit = outfit_or_404(request, outfit_id)
    today = timezone.localdate()
    items = selectors.outfit_items(outfit)
    return render(
        request,
        "outfits/detail.html",
        {
            "outfit": outfit,
            "items": sorted(items, key=lambda i: (-i.z, i.pk)),
            "clo": selectors.outfit_clo(outfit),
            "seasons": [label for value, label in season_choices() if value in outfit.season_list],
            "plans": list(
                selectors.plan_list(
                    user=request.user, outfit=outfit, filters={"from": (today - dt.timedelta(days=31)).isoformat()}
                )
            ),
            "today": today,
            "worn_today": outfit.plans.filter(date=today, worn=True).exists(),
        },
    )


@login_required
@require_POST
def outfit_delete(request, outfit_id: int):
    outfit = outfit_or_404(request, outfit_id)
    services.outfit_delete(outfit=outfit)
    messages.success(request, _("Outfit deleted."))
    return redirect("outfits:outfit-list")


@login_required
@require_POST
def outfit_plan(request, outfit_id: int):
    """Put the outfit on the calendar for the posted ``date``."""
    outfit = outfit_or_404(request, outfit_id)
    try:
        day = forms.DateField().clean(request.POST.get("date"))
    except forms.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        services.plan_create(owner=request.user, outfit=outfit, date=day)
        messages.success(request, _("Planned for %(date)s.") % {"date": date_text(day)})
    return redirect(safe_next(request, reverse("outfits:outfit-detail", args=[outfit.pk])))


@login_required
@require_POST
def outfit_wear(request, outfit_id: int):
    """Wear the outfit today: a worn calendar entry and a wear of each garment."""
    outfit = outfit_or_404(request, outfit_id)
    try:
        services.outfit_wear(outfit=outfit)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(request, _("Marked as worn today."))
    return redirect(safe_next(request, reverse("outfits:outfit-detail", args=[outfit.pk])))


def _width(request) -> int | None:
    """The width in pixels an outfit picture is drawn at: ``?width=`` (default ``CANVAS_WIDTH``)
    rounded up to one of ``render.WIDTHS``; None when invalid."""
    raw = request.GET.get("width") or str(outfit_render.CANVAS_WIDTH)
    ok = raw.isascii() and raw.isdigit() and outfit_render.MIN_WIDTH <= int(raw) <= outfit_render.MAX_WIDTH
    return outfit_render.snap_width(int(raw)) if ok else None


def _picture_etag(request, outfit_id: int) -> str | None:
    """The ETag of the picture asked for: ``render.picture_key`` (None: no such outfit, or a bad width)."""
    width = _width(request)
    try:
        return (
            outfit_render.picture_key(selectors.outfit_get(user=request.user, outfit_id=outfit_id), width=width)
            if width
            else None
        )
    except Outfit.DoesNotExist:
        return None


@login_required
@require_GET
@cache_control(private=True, max_age=3600)
@etag(_picture_etag)
def outfit_image(request, outfit_id: int):
    """The outfit's picture (PNG, drawn on the server by ``render.outfit_png``, cached), to its owner
    only, for ``?width=`` pixels (60..1200, default 600, rounded up to one of ``render.WIDTHS``:
    120, 300, 600 or 1200; the height is 4/3 of it); a matching ``If-None-Match`` gets a 304
    (Django's ``etag`` decorator). A bad width is a 400."""
    outfit = outfit_or_404(request, outfit_id)
    width = _width(request)
    if width is None:
        return HttpResponse(
            _("The width must be a whole number of pixels from %(min)d to %(max)d.")
            % {"min": outfit_render.MIN_WIDTH, "max": outfit_render.MAX_WIDTH},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data, _key = outfit_render.outfit_png(outfit, width=width)
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="outfit-{outfit.pk}.png"'
    response["X-Content-Type-Options"] = "nosniff"
    return response

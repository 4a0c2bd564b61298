"""The packing pages: trips (``/trips/``), one trip's weather and packing list with check-boxes
(``/trips/<id>/``), and its actions (tick off, add, remove, propose again, plan the outfits)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from wardrobe.closet.models import Garment
from wardrobe.packing import selectors, services
from wardrobe.packing.forms import TripEditForm, TripForm
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.packing.rules import ROLE_ORDER, shortfall
from wardrobe.weather.forecast import WeatherUnavailable

ROLE_LABELS = {
    "outer": _("Outerwear"),
    "mid": _("Layers"),
    "top": _("Tops"),
    "one-piece": _("One-pieces"),
    "bottom": _("Bottoms"),
    "shoes": _("Shoes"),
    "other": _("Other"),
}


def _trip(request, trip_id: int) -> Trip:
    try:
        return selectors.trip_get(user=request.user, pk=trip_id)
    except Trip.DoesNotExist:
        raise Http404


def _form_errors(form, exc: ValidationError) -> None:
    for key, errors in exc.message_dict.items():
        form.add_error(
            "place" if key == "city" and "place" in form.fields else (key if key in form.fields else None), errors
        )


@login_required
@require_http_methods(["GET", "POST"])
def trip_list(request):
    """The user's trips and the form for a new one (POST creates it and opens its list)."""
    form = TripForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                trip = services.trip_create(
                    owner=request.user,
                    name=data["name"],
                    place=data["place"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    activities=data["activities"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            except WeatherUnavailable as exc:
                form.add_error("place", str(exc))
            else:
                messages.success(request, _("Your packing list is ready."))
                return redirect("packing:trip-detail", trip.pk)
        status = 400
    return render(
        request, "packing/trip_list.html", {"trips": selectors.trips_of(user=request.user), "form": form}, status=status
    )


def _groups(trip: Trip) -> list[dict]:
    items = list(selectors.packing_items_of(trip=trip))
    groups = []
    for role in (*ROLE_ORDER, "other"):
        members = [i for i in items if i.role == role]
        if members:
            groups.append({"role": role, "label": ROLE_LABELS[role], "items": members})
    return groups


@login_required
@require_http_methods(["GET", "POST"])
def trip_detail(request, trip_id: int):
    """A trip: the forecast per day, the packing list by role with check-boxes, what is missing,
    and the edit form (POST saves it and proposes the list again)."""
    trip = _trip(request, trip_id)
    initial = {
        "name": trip.name,
        "start_date": trip.start_date,
        "end_date": trip.end_date,
        "activities": trip.activities,
    }
    form = TripEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.trip_update(
                    trip=trip,
                    name=data["name"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    activities=data["activities"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Trip saved; the list was proposed again."))
                return redirect("packing:trip-detail", trip.pk)
        status = 400
        trip.refresh_from_db()
    weather = services.trip_weather(trip=trip)
    listed = PackingItem.objects.filter(trip=trip).values_list("garment_id", flat=True)
    addable = (
        Garment.objects.filter(owner=request.user, status=Garment.Status.CLOSET)
        .exclude(pk__in=listed)
        .select_related("category", "type")
        .order_by("category__name", "pk")
    )
    groups = _groups(trip)
    n_items = sum(len(g["items"]) for g in groups)
    roles = [i.role for g in groups for i in g["items"]]
    missing = [
        {"label": ROLE_LABELS[role], "n": n} for role, n in shortfall(roles, weather.days, trip.activities).items()
    ]
    return render(
        request,
        "packing/trip_detail.html",
        {
            "trip": trip,
            "weather": weather,
            "groups": groups,
            "n_items": n_items,
            "missing": missing,
            "n_packed": sum(1 for g in groups for i in g["items"] if i.packed),
            "addable": addable,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def item_packed(request, packing_item_id: int):
    """Tick an item off (``packed=1``) or back on; answers JSON to the page's script, else redirects."""
    item = get_object_or_404(PackingItem, trip__owner=request.user, pk=packing_item_id)
    trip = item.trip
    services.packing_item_set_packed(item=item, packed=request.POST.get("packed") in ("1", "on", "true"))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"id": item.pk, "packed": item.packed})
    return redirect("packing:trip-detail", trip.pk)


@login_required
@require_POST
def item_add(request, trip_id: int):
    """Add a garment of the closet to the list by hand."""
    trip = _trip(request, trip_id)
    value = request.POST.get("garment", "")
    try:
        services.packing_item_add(trip=trip, garment_id=int(value) if value.isascii() and value.isdigit() else 0)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("packing:trip-detail", trip.pk)


@login_required
@require_POST
def item_remove(request, packing_item_id: int):
    """Take an item off the list."""
    item = get_object_or_404(PackingItem, trip__owner=request.user, pk=packing_item_id)
    trip = item.trip
    services.packing_item_remove(item=item)
    return redirect("packing:trip-detail", trip.pk)


@login_required
@require_POST
def trip_propose(request, trip_id: int):
    """Propose the list again for the latest forecast (added and packed items stay)."""
    trip = _trip(request, trip_id)
    services.packing_list_propose(trip=trip)
    messages.success(request, _("The list was proposed again for the latest forecast."))
    return redirect("packing:trip-detail", trip.pk)


@login_required
@require_POST
def trip_plan(request, trip_id: int):
    """Plan one outfit per forecast day of the trip from its list, on the calendar."""
    trip = _trip(request, trip_id)
    made = services.trip_outfits_plan(trip=trip)
    if made:
        messages.success(
            request,
            ngettext("%(n)d outfit planned on the calendar.", "%(n)d outfits planned on the calendar.", len(made))
            % {"n": len(made)},
        )
    else:
        messages.error(
            request, _("No outfit could be planned: no forecast reaches the trip yet, or the list is short.")
        )
    return redirect("packing:trip-detail", trip.pk)


@login_required
@require_POST
def trip_delete(request, trip_id: int):
    """Delete the trip, its list and its planned (not worn) outfits."""
    services.trip_delete(trip=_trip(request, trip_id))
    messages.success(request, _("Trip deleted."))
    return redirect("packing:trip-list")

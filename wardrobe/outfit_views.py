"""Outfit and calendar pages: the builder, the outfit list and page, the rendered picture, and the
month calendar. Thin: ``wardrobe.outfits`` reads and writes, everything scoped to request.user."""
from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wardrobe import outfit_render, outfits, selectors
from wardrobe.models import Garment, Outfit, OutfitPlan
from wardrobe.views import _safe_next


def _outfit_or_404(request, outfit_id: int) -> Outfit:
    try:
        return outfits.outfit_get(user=request.user, outfit_id=outfit_id)
    except Outfit.DoesNotExist:
        raise Http404("No such outfit.")


def _plan_or_404(request, plan_id: int) -> OutfitPlan:
    try:
        return outfits.plan_get(user=request.user, plan_id=plan_id)
    except OutfitPlan.DoesNotExist:
        raise Http404("No such plan.")


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- the builder -----------------------------------------------------------------------------------

class OutfitForm(forms.Form):
    """The builder's fields. ``items_json`` is the canvas layout the script writes:
    ``[{"garment": id, "x": 0..1, "y": 0..1, "width": 0.05..1, "z": int}]``; without JavaScript the
    ticked ``garment`` boxes are used instead (each at its section's default place)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    occasion = forms.ChoiceField(label=gettext_lazy("Occasion"), required=False,
                                 choices=[("", "—")] + list(Outfit.Occasion.choices))
    seasons = forms.MultipleChoiceField(label=gettext_lazy("Seasons"), required=False,
                                        choices=Garment.Season.choices, widget=forms.CheckboxSelectMultiple)
    items_json = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)
    garment = forms.TypedMultipleChoiceField(label=gettext_lazy("Items"), required=False, coerce=int, choices=())

    def __init__(self, *args, garment_ids: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["garment"].choices = [(pk, pk) for pk in garment_ids]
        self.fields["garment"].error_messages["invalid_choice"] = _("No such garment in your closet: %(value)s.")

    def clean_items_json(self) -> list | None:
        raw = self.cleaned_data.get("items_json") or ""
        if not raw.strip():
            return None
        try:
            items = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("The layout could not be read; try again."))
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise forms.ValidationError(_("The layout could not be read; try again."))
        return items

    def items(self) -> list[dict]:
        """The layout to save: the canvas's, else the ticked garments at their default places."""
        if self.cleaned_data.get("items_json") is not None:
            return self.cleaned_data["items_json"]
        return [{"garment": pk} for pk in self.cleaned_data.get("garment") or []]


def _picture_url(garment_id: int) -> str:
    return reverse("wardrobe:garment-picture", args=[garment_id])


def _builder(request, outfit: Outfit | None):
    closet = list(selectors.garment_list(user=request.user, state="closet", sort="newest")[:1000])
    known = {g.pk: g for g in closet}
    if outfit is not None:
        for item in outfit.items.all():
            known.setdefault(item.garment_id, item.garment)
    initial = {}
    layout = []
    if outfit is not None:
        initial = {"name": outfit.name, "occasion": outfit.occasion, "seasons": outfit.season_list}
        layout = [{"garment": i.garment_id, "x": i.x, "y": i.y, "width": i.width, "z": i.z}
                  for i in outfits.outfit_items(outfit)]
    form = OutfitForm(request.POST or None, initial=initial, garment_ids=list(known))
    if request.method == "POST":
        if form.is_valid():
            try:
                if outfit is None:
                    outfit = outfits.outfit_create(
                        owner=request.user, name=form.cleaned_data["name"], items=form.items(),
                        occasion=form.cleaned_data["occasion"], seasons=form.cleaned_data["seasons"])
                    messages.success(request, _("Outfit saved."))
                else:
                    outfits.outfit_update(
                        outfit=outfit, name=form.cleaned_data["name"], items=form.items(),
                        occasion=form.cleaned_data["occasion"], seasons=form.cleaned_data["seasons"])
                    messages.success(request, _("Outfit updated."))
                return redirect("wardrobe:outfit-detail", outfit_id=outfit.pk)
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
            shown.append({**{k: item[k] for k in ("x", "y", "width", "z") if isinstance(item.get(k), (int, float))},
                          "garment": pk, "src": _picture_url(pk), "label": known[pk].label,
                          "section": known[pk].category.section.slug})
    sections = {}
    for g in closet:
        sections.setdefault(g.category.section.slug, g.category.section)
    strings = {
        "piece": _("%(name)s on the canvas. Arrow keys move it, + and − resize it."),
        "added": _("%(name)s added."), "removed": _("%(name)s removed."),
        "empty": _("Click items in your closet to put them on the canvas."),
        "needItems": _("Put at least one item on the canvas."),
    }
    return render(request, "outfits/builder.html", {
        "form": form, "outfit": outfit, "closet": closet, "sections": sorted(sections.values(), key=lambda s: (s.order, s.name)),
        "on_canvas": {item["garment"] for item in shown},
        "builder_data": {"items": shown, "places": outfits.DEFAULT_PLACES, "strings": strings},
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def outfit_new(request):
    return _builder(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def outfit_edit(request, outfit_id: int):
    return _builder(request, _outfit_or_404(request, outfit_id))


# --- list, page, picture ---------------------------------------------------------------------------

@login_required
@require_GET
def outfit_list(request):
    occasion = request.GET.get("occasion") or ""
    season = request.GET.get("season") or ""
    occasion = occasion if occasion in Outfit.Occasion.values else ""
    season = season if season in Garment.Season.values else ""
    qs = outfits.outfit_list(user=request.user, occasion=occasion or None, season=season or None)
    page = Paginator(qs, 24).get_page(request.GET.get("page"))
    labels = dict(Garment.Season.choices)
    for outfit in page.object_list:
        outfit.clo = outfits.outfit_clo(outfit)
        outfit.season_labels = [labels[s] for s in outfit.season_list if s in labels]
    return render(request, "outfits/list.html", {
        "page": page, "occasion": occasion, "season": season, "occasions": Outfit.Occasion.choices,
        "seasons": Garment.Season.choices, "filtered": bool(occasion or season),
    })


@login_required
@require_GET
def outfit_detail(request, outfit_id: int):
    outfit = _outfit_or_404(request, outfit_id)
    today = timezone.localdate()
    items = outfits.outfit_items(outfit)
    return render(request, "outfits/detail.html", {
        "outfit": outfit, "items": sorted(items, key=lambda i: (-i.z, i.pk)), "clo": outfits.outfit_clo(outfit),
        "seasons": [label for value, label in Garment.Season.choices if value in outfit.season_list],
        "plans": list(outfits.plan_list(user=request.user, outfit=outfit, date_from=today - dt.timedelta(days=31))),
        "today": today, "worn_today": outfit.plans.filter(date=today, worn=True).exists(),
    })


@login_required
@require_POST
def outfit_delete(request, outfit_id: int):
    outfit = _outfit_or_404(request, outfit_id)
    outfits.outfit_delete(outfit=outfit)
    messages.success(request, _("Outfit deleted."))
    return redirect("wardrobe:outfit-list")


@login_required
@require_POST
def outfit_plan(request, outfit_id: int):
    """Put the outfit on the calendar for the posted ``date``."""
    outfit = _outfit_or_404(request, outfit_id)
    try:
        day = forms.DateField().clean(request.POST.get("date"))
    except forms.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        outfits.plan_create(owner=request.user, outfit=outfit, date=day)
        messages.success(request, _("Planned for %(date)s.") % {"date": _date(day)})
    return redirect(_safe_next(request, reverse("wardrobe:outfit-detail", args=[outfit.pk])))


@login_required
@require_POST
def outfit_wear(request, outfit_id: int):
    """Wear the outfit today: a worn calendar entry and a wear of each garment."""
    outfit = _outfit_or_404(request, outfit_id)
    try:
        outfits.outfit_wear(outfit=outfit)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Marked as worn today."))
    return redirect(_safe_next(request, reverse("wardrobe:outfit-detail", args=[outfit.pk])))


def png_response(request, outfit: Outfit) -> HttpResponse:
    """The outfit's rendered picture (``outfit_render.outfit_png``) for ``?width=`` pixels (60..1200,
    default 600; the height is 4/3 of it), with a private cache policy and an ETag (a matching
    ``If-None-Match`` gets a 304). A bad width is a 400."""
    raw = request.GET.get("width") or str(outfit_render.CANVAS_WIDTH)
    if not (raw.isascii() and raw.isdigit() and outfit_render.MIN_WIDTH <= int(raw) <= outfit_render.MAX_WIDTH):
        return HttpResponse(_("The width must be a whole number of pixels from %(min)d to %(max)d.") % {
            "min": outfit_render.MIN_WIDTH, "max": outfit_render.MAX_WIDTH}, status=400,
            content_type="text/plain; charset=utf-8")
    data, key = outfit_render.outfit_png(outfit, width=int(raw))
    etag = f'"{key}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type="image/png")
        response["Content-Disposition"] = f'inline; filename="outfit-{outfit.pk}.png"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def outfit_image(request, outfit_id: int):
    """The outfit's picture (PNG, drawn on the server), to its owner only."""
    return png_response(request, _outfit_or_404(request, outfit_id))


# --- the calendar ----------------------------------------------------------------------------------

def _date(day: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


def _month_value(day: dt.date) -> str:
    """``YYYY-MM`` of a day (zero-padded whatever the year)."""
    return f"{day.year:04d}-{day.month:02d}"


def _shift(year: int, month: int, by: int) -> str | None:
    index = year * 12 + month - 1 + by
    y, m = divmod(index, 12)
    return f"{y:04d}-{m + 1:02d}" if outfits.MIN_YEAR <= y <= outfits.MAX_YEAR else None


class PlanForm(forms.Form):
    """The calendar's "plan an outfit" form: one of the user's outfits and a day."""

    outfit = forms.ModelChoiceField(label=gettext_lazy("Outfit"), queryset=Outfit.objects.none(),
                                    empty_label=None)
    date = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outfit"].queryset = Outfit.objects.filter(owner=user).order_by("name", "id")
        self.fields["outfit"].error_messages["invalid_choice"] = _("Choose one of your outfits.")


def _calendar(request, *, month_value: str | None, plan_form: PlanForm | None = None, status: int = 200):
    error = None
    try:
        year, month = outfits.parse_month(month_value)
    except ValidationError as exc:
        error = _errors(exc)
        year, month = outfits.parse_month(None)
        status = 400
    today = timezone.localdate()
    cal = outfits.calendar_month(user=request.user, year=year, month=month)
    if plan_form is None:
        chosen = request.GET.get("plan") or ""
        try:
            chosen_day = dt.date.fromisoformat(chosen) if chosen else None
        except ValueError:
            chosen_day = None
        plan_form = PlanForm(user=request.user, initial={"date": chosen_day or max(today, cal.first)})
    return render(request, "calendar.html", {
        "cal": cal, "weeks": cal.weeks, "today": today, "error": error,
        "month_value": f"{year:04d}-{month:02d}", "prev_month": _shift(year, month, -1),
        "next_month": _shift(year, month, 1), "this_month": _month_value(today),
        "weekdays": [(WEEKDAYS_ABBR[i], WEEKDAYS[i]) for i in range(7)],
        "plan_form": plan_form, "has_outfits": plan_form.fields["outfit"].queryset.exists(),
    }, status=status)


@login_required
@require_GET
def calendar_month(request):
    return _calendar(request, month_value=request.GET.get("month"))


@login_required
@require_POST
def calendar_plan(request):
    """Plan one of the user's outfits for a day; invalid input re-shows the month with the errors (400)."""
    form = PlanForm(request.POST, user=request.user)
    if not form.is_valid():
        return _calendar(request, month_value=request.POST.get("month") or request.GET.get("month"),
                         plan_form=form, status=400)
    day = form.cleaned_data["date"]
    plan = outfits.plan_create(owner=request.user, outfit=form.cleaned_data["outfit"], date=day)
    messages.success(request, _("%(name)s planned for %(date)s.") % {"name": plan.outfit.name, "date": _date(day)})
    return redirect(f"{reverse('wardrobe:calendar')}?month={_month_value(day)}")


def _back_to_month(request, plan: OutfitPlan) -> str:
    return _safe_next(request, f"{reverse('wardrobe:calendar')}?month={_month_value(plan.date)}")


@login_required
@require_POST
def plan_delete(request, plan_id: int):
    plan = _plan_or_404(request, plan_id)
    back = _back_to_month(request, plan)
    outfits.plan_delete(plan=plan)
    messages.success(request, _("Removed from the calendar."))
    return redirect(back)


@login_required
@require_POST
def plan_worn(request, plan_id: int):
    plan = _plan_or_404(request, plan_id)
    try:
        outfits.plan_set_worn(plan=plan)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("%(name)s marked as worn on %(date)s.") % {
            "name": plan.outfit.name, "date": _date(plan.date)})
    return redirect(_back_to_month(request, plan))

"""The month calendar: what was worn and what is planned, and planning an outfit for a day."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wardrobe.core.http import safe_next
from wardrobe.outfits import selectors, services
from wardrobe.outfits.forms import PlanForm
from wardrobe.outfits.models import OutfitPlan
from wardrobe.outfits.views import date_text, errors_text


def plan_or_404(request, plan_id: int) -> OutfitPlan:
    try:
        return selectors.plan_get(user=request.user, plan_id=plan_id)
    except OutfitPlan.DoesNotExist:
        raise Http404("No such plan.")


def _month_value(day: dt.date) -> str:
    """``YYYY-MM`` of a day (zero-padded whatever the year)."""
    return f"{day.year:04d}-{day.month:02d}"


def _shift(year: int, month: int, by: int) -> str | None:
    index = year * 12 + month - 1 + by
    y, m = divmod(index, 12)
    return f"{y:04d}-{m + 1:02d}" if selectors.MIN_YEAR <= y <= selectors.MAX_YEAR else None


def _calendar(request, *, month_value: str | None, plan_form: PlanForm | None = None, status: int = 200):
    error = None
    try:
        year, month = selectors.parse_month(month_value)
    except ValidationError as exc:
        error = errors_text(exc)
        year, month = selectors.parse_month(None)
        status = 400
    today = timezone.localdate()
    cal = selectors.calendar_month(user=request.user, year=year, month=month)
    if plan_form is None:
        chosen = request.GET.get("plan") or ""
        try:
            chosen_day = dt.date.fromisoformat(chosen) if chosen else None
        except ValueError:
            chosen_day = None
        plan_form = PlanForm(user=request.user, initial={"date": chosen_day or max(today, cal.first)})
    return render(
        request,
        "outfits/calendar.html",
        {
            "cal": cal,
            "weeks": cal.weeks,
            "today": today,
            "error": error,
            "month_value": f"{year:04d}-{month:02d}",
            "prev_month": _shift(year, month, -1),
            "next_month": _shift(year, month, 1),
            "this_month": _month_value(today),
            "weekdays": [(WEEKDAYS_ABBR[i], WEEKDAYS[i]) for i in range(7)],
            "plan_form": plan_form,
            "has_outfits": plan_form.fields["outfit"].queryset.exists(),
        },
        status=status,
    )


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
        return _calendar(
            request, month_value=request.POST.get("month") or request.GET.get("month"), plan_form=form, status=400
        )
    day = form.cleaned_data["date"]
    plan = services.plan_create(owner=request.user, outfit=form.cleaned_data["outfit"], date=day)
    messages.success(request, _("%(name)s planned for %(date)s.") % {"name": plan.outfit.name, "date": date_text(day)})
    return redirect(f"{reverse('outfits:calendar')}?month={_month_value(day)}")


def _back_to_month(request, plan: OutfitPlan) -> str:
    return safe_next(request, f"{reverse('outfits:calendar')}?month={_month_value(plan.date)}")


@login_required
@require_POST
def plan_delete(request, plan_id: int):
    plan = plan_or_404(request, plan_id)
    back = _back_to_month(request, plan)
    services.plan_delete(plan=plan)
    messages.success(request, _("Removed from the calendar."))
    return redirect(back)


@login_required
@require_POST
def plan_worn(request, plan_id: int):
    plan = plan_or_404(request, plan_id)
    try:
        services.plan_set_worn(plan=plan)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    else:
        messages.success(
            request,
            _("%(name)s marked as worn on %(date)s.") % {"name": plan.outfit.name, "date": date_text(plan.date)},
        )
    return redirect(_back_to_month(request, plan))

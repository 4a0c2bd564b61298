"""The statistics page and the declutter page (its list of candidates and "let them go")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from wardrobe.closet import services as closet_services
from wardrobe.core.http import safe_next
from wardrobe.stats import declutter, selectors
from wardrobe.stats.forms import ArchiveForm, DeclutterForm

#: How many unworn candidates the page lists (the count says how many there are).
PAGE_LIMIT = 120


def _charts(stats: dict) -> list[dict]:
    """The page's charts: per chart its ``key``, ``title``, ``kind`` (bar, doughnut, line), the
    table's column heads and ``rows`` (label, value); ``static/js/stats.js`` draws them from
    :func:`_chart_data`."""
    items, money = _("Items"), stats["currency"]

    def chart(key, title, kind, head, unit, rows, colors=None, tall=False):
        return {
            "key": key,
            "title": title,
            "kind": kind,
            "head": head,
            "unit": unit,
            "rows": rows,
            "colors": colors,
            "tall": tall,
        }

    return [
        chart(
            "sections",
            _("Items by section"),
            "bar",
            _("Section"),
            items,
            [(r["name"], r["count"]) for r in stats["sections"]],
        ),
        chart(
            "categories",
            _("Items by category"),
            "hbar",
            _("Category"),
            items,
            [(r["name"], r["count"]) for r in stats["categories"]],
            tall=len(stats["categories"]) > 8,
        ),
        chart(
            "colors",
            _("Items by main colour"),
            "doughnut",
            _("Colour"),
            items,
            [(r["label"], r["count"]) for r in stats["colors"]],
            colors=[r["hex"] for r in stats["colors"]],
        ),
        chart(
            "seasons",
            _("Items by season"),
            "bar",
            _("Season"),
            items,
            [(r["name"], r["count"]) for r in stats["seasons"]],
        ),
        chart(
            "spending",
            _("Spent per month (%(currency)s)") % {"currency": money},
            "bar",
            _("Month"),
            money,
            [(r["month"], r["total"]) for r in stats["spending"]],
        ),
        chart(
            "wears",
            _("Wears per month"),
            "line",
            _("Month"),
            _("Wears"),
            [(r["month"], r["wears"]) for r in stats["wears"]],
        ),
    ]


def _chart_data(charts: list[dict]) -> dict:
    """What ``static/js/stats.js`` reads (``json_script``): per chart key its kind, labels, values
    (numbers), colours (or null) and the label of the values."""
    return {
        c["key"]: {
            "kind": c["kind"],
            "labels": [str(label) for label, _v in c["rows"]],
            "values": [float(v) for _label, v in c["rows"]],
            "colors": c["colors"],
            "unit": str(c["unit"]),
        }
        for c in charts
    }


@login_required
@require_GET
def stats_page(request):
    """The overview: counts by section, category, colour and season; value and spending; wears per
    month; cost per wear; most, least and never worn; unworn for 30/90/180 days."""
    stats = selectors.closet_stats(user=request.user)
    charts = _charts(stats)
    return render(request, "stats/stats.html", {"stats": stats, "charts": charts, "chart_data": _chart_data(charts)})


@login_required
@require_GET
def declutter_page(request):
    """Candidates to let go: not worn for the period picked, and worn rarely for their price."""
    form = DeclutterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    days = data.get("days") or declutter.DEFAULT_PERIOD
    top = data.get("top") or declutter.DEFAULT_TOP
    unworn = declutter.declutter_unworn(user=request.user, days=days)
    costly, currency = declutter.declutter_costly(user=request.user, max_cost_per_wear=data.get("max_cost"), top=top)
    costly = list(costly[:PAGE_LIMIT])
    return render(
        request,
        "stats/declutter.html",
        {
            "form": form if form.is_bound else DeclutterForm(initial={"days": days, "top": top}),
            "days": days,
            "unworn": list(unworn[:PAGE_LIMIT]),
            "unworn_count": unworn.count(),
            "costly": costly,
            "currency": currency,
            "archive_form": ArchiveForm(),
            "limit": PAGE_LIMIT,
        },
        status=200 if valid else 400,
    )


@login_required
@require_POST
def declutter_archive(request):
    """Archive the ticked items as donated or sold, all or nothing, and go back to the list."""
    back = safe_next(request, reverse("stats:declutter"))
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    ids, reason = form.cleaned_data["ids"], form.cleaned_data["reason"]
    try:
        n = closet_services.garments_bulk_update(user=request.user, ids=ids, changes={"archive": reason})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(n)d item let go. You can still find it under Archived.",
            "%(n)d items let go. You can still find them under Archived.",
            n,
        )
        % {"n": n},
    )
    return redirect(back)

"""Closet statistics, computed by the database (``aggregate`` / ``annotate`` / ``TruncMonth``): about
twenty queries per overview whatever the size of the closet, none of them a loop over garments.

Every figure is scoped to one user. "Active" items are those in the closet (``status = closet``: not
archived, not waiting for review); each figure says when it reads more than those.

Dates: "owned since" is the earlier of the purchase date (when given) and the day the item was added
(``created_at`` in the current time zone); "unworn for N days" means not worn on any of the last N days
(``last_worn_on`` at most ``today - N``) or, never worn, owned since at most ``today - N``.

Money: prices are ``Decimal`` in the item's currency (an item priced without one has the profile's,
as ``closet.services.garment_update`` fills it). Sums and rankings of cost per wear read only the
items in the profile's currency; the value held in other currencies is listed apart, never added.
Cost per wear is ``price / max(wear_count, 1)``, as ``Garment.cost_per_wear`` computes it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, NullIf, TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.selectors import profile_get
from vocabulary.palette import PALETTE, hex_of
from wardrobe.closet.models import Garment, GarmentColor, Season, WearLog

#: The "unworn for" periods of the overview, in days.
UNWORN_DAYS = (30, 90, 180)
#: How many items each list of the overview holds (best/worst cost per wear, most/least/never worn).
LIST_SIZE = 5
#: How many months the spending and wear charts cover (the current month included).
MONTHS = 12

CPW_FIELD = DecimalField(max_digits=20, decimal_places=6)


def owned_since():
    """Expression: the day an item is owned since, the earlier of ``purchase_date`` and the day of
    ``created_at`` (PostgreSQL's ``LEAST`` skips a NULL purchase date)."""
    return Least(Coalesce("purchase_date", TruncDate("created_at")), TruncDate("created_at"))


def unworn_q(cutoff: dt.date) -> Q:
    """Items (annotated ``since``: :func:`owned_since`) not worn after ``cutoff``: last worn on or
    before it, or never worn and owned since on or before it."""
    return Q(last_worn_on__lte=cutoff) | Q(last_worn_on__isnull=True, since__lte=cutoff)


def cost_per_wear():
    """Expression: ``price / GREATEST(wear_count, 1)`` (numeric; NULL without a price)."""
    return ExpressionWrapper(F("price") / Greatest(F("wear_count"), Value(1)), output_field=CPW_FIELD)


def in_currency(qs: QuerySet[Garment], currency: str) -> QuerySet[Garment]:
    """The priced items of ``qs`` whose currency is ``currency`` (an empty currency counts as it)."""
    return (
        qs.filter(price__isnull=False)
        .annotate(cur=Coalesce(NullIf("currency", Value("")), Value(currency)))
        .filter(cur=currency)
    )


def active_garments(*, user) -> QuerySet[Garment]:
    """The user's items in the closet (not archived, not waiting for review), annotated ``since``."""
    return Garment.objects.filter(owner=user, status=Garment.Status.CLOSET).annotate(since=owned_since())


def item_row(garment: Garment) -> dict:
    """``{"id", "label", "kind", "wear_count", "last_worn_on", "price", "currency", "cost_per_wear",
    "url"}`` of one item (load ``category`` and ``type`` with it): what the lists show."""
    return {
        "id": garment.pk,
        "label": garment.label,
        "kind": garment.kind,
        "wear_count": garment.wear_count,
        "last_worn_on": garment.last_worn_on,
        "price": garment.price,
        "currency": garment.currency,
        "cost_per_wear": garment.cost_per_wear,
        "url": reverse("closet:garment-detail", args=[garment.pk]),
    }


#: The columns a list row reads (``item_row``), so the rows sorted stay narrow.
ROW_FIELDS = ("id", "name", "category__name", "type__name", "wear_count", "last_worn_on", "price", "currency")


def _rows(qs: QuerySet[Garment]) -> list[dict]:
    return [item_row(g) for g in qs.select_related("category", "type").only(*ROW_FIELDS)[:LIST_SIZE]]


def _month_starts(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``months`` months, oldest first, this month last."""
    y, m = today.year, today.month
    out = []
    for _ in range(months):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _totals(active: QuerySet[Garment], today: dt.date, currency: str) -> dict:
    """One pass over the active items: the counts, the unworn counts, items without a season, and
    the value and wears of the items priced in ``currency`` (``value_*``)."""
    cuts = {days: today - dt.timedelta(days=days) for days in UNWORN_DAYS}
    main = Q(price__isnull=False, cur=currency)
    has_season = Exists(Garment.seasons.through.objects.filter(garment_id=OuterRef("pk")))
    return active.annotate(cur=Coalesce(NullIf("currency", Value("")), Value(currency))).aggregate(
        items=Count("*"),
        priced=Count("id", filter=Q(price__isnull=False)),
        worn=Count("id", filter=Q(wear_count__gt=0)),
        never_worn=Count("id", filter=Q(wear_count=0)),
        wears=Coalesce(Sum("wear_count"), 0),
        no_season=Count("id", filter=~Q(has_season)),
        value_total=Coalesce(Sum("price", filter=main), Value(Decimal("0.00")), output_field=CPW_FIELD),
        value_items=Count("id", filter=main),
        value_wears=Sum(Greatest(F("wear_count"), Value(1)), filter=main),
        **{f"unworn_{days}": Count("id", filter=unworn_q(cut)) for days, cut in cuts.items()},
    )


def _by_section_and_category(active: QuerySet[Garment]) -> tuple[list[dict], list[dict]]:
    """Items per category (most first) and per section (in section order), from one grouped query:
    the section counts add up the category rows (one per category, not per item)."""
    categories = list(
        active.values(
            "category__slug",
            "category__name",
            "category__section__slug",
            "category__section__name",
            "category__section__order",
        )
        .annotate(n=Count("*"))
        .order_by("-n", "category__name")
    )
    sections: dict[str, dict] = {}
    for r in sorted(categories, key=lambda r: (r["category__section__order"], r["category__section__name"])):
        row = sections.setdefault(
            r["category__section__slug"],
            {"slug": r["category__section__slug"], "name": gettext(r["category__section__name"]), "count": 0},
        )
        row["count"] += r["n"]
    return (
        list(sections.values()),
        [
            {
                "slug": r["category__slug"],
                "name": gettext(r["category__name"]),
                "section": r["category__section__slug"],
                "count": r["n"],
            }
            for r in categories
        ],
    )


def _by_colour(user, items: int) -> list[dict]:
    """Items by dominant colour (``GarmentColor.position`` 0), most frequent first; ``none``: without one."""
    rows = (
        GarmentColor.objects.filter(garment__owner=user, garment__status=Garment.Status.CLOSET, position=0)
        .values("name")
        .annotate(n=Count("id"))
        .order_by("-n", "name")
    )
    out = [
        {
            "name": r["name"],
            "label": gettext(r["name"]),
            "hex": hex_of(r["name"]) if r["name"] in PALETTE else "#888888",
            "count": r["n"],
        }
        for r in rows
    ]
    rest = items - sum(r["count"] for r in out)
    if rest > 0:
        out.append({"name": "", "label": gettext("No colour"), "hex": "#dddddd", "count": rest})
    return out


def _by_season(user, no_season: int) -> list[dict]:
    """Items per season (an item of several seasons counts in each), then ``none``: without a season."""
    through = Garment.seasons.through
    counts = dict(
        through.objects.filter(garment__owner=user, garment__status=Garment.Status.CLOSET)
        .values("season_id")
        .annotate(n=Count("garment_id"))
        .values_list("season_id", "n")
    )
    out = [{"slug": s.slug, "name": s.display_name, "count": counts.get(s.slug, 0)} for s in Season.objects.all()]
    out.append({"slug": "", "name": gettext("No season"), "count": no_season})
    return out


def _value(active: QuerySet[Garment], currency: str, totals: dict) -> dict:
    """The value in ``currency`` (from :func:`_totals`) and, summed apart, in each other currency."""
    rows = (
        active.filter(price__isnull=False)
        .exclude(currency__in=("", currency))
        .values("currency")
        .annotate(total=Sum("price"), n=Count("*"))
        .order_by("-total", "currency")
    )
    others = [{"currency": r["currency"], "total": r["total"], "items": r["n"]} for r in rows]
    total = Decimal(totals["value_total"]).quantize(Decimal("0.01"))
    return {"currency": currency, "total": total, "items": totals["value_items"], "other_currencies": others}


def _spending(user, today: dt.date, currency: str) -> list[dict]:
    """What was spent per month, by purchase date, else by the day the item was added; every item
    bought (archived ones too, not those waiting for review), in the profile's currency."""
    months = _month_starts(today)
    bought = in_currency(Garment.objects.filter(owner=user).exclude(status=Garment.Status.REVIEW), currency)
    rows = (
        bought.annotate(day=Coalesce("purchase_date", TruncDate("created_at")))
        .filter(day__gte=months[0], day__lte=today)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(total=Sum("price"), n=Count("id"))
        .order_by("month")
    )
    found = {r["month"]: r for r in rows}
    zero = {"total": Decimal("0.00"), "n": 0}
    return [
        {"month": m.strftime("%Y-%m"), "total": found.get(m, zero)["total"], "items": found.get(m, zero)["n"]}
        for m in months
    ]


def _wears(user, today: dt.date) -> list[dict]:
    """Wears logged per month (the wear log, archived items' wears too)."""
    months = _month_starts(today)
    rows = (
        WearLog.objects.filter(owner=user, worn_on__gte=months[0], worn_on__lte=today)
        .annotate(month=TruncMonth("worn_on"))
        .values("month")
        .annotate(n=Count("*"))
        .order_by("month")
    )
    found = {r["month"]: r["n"] for r in rows}
    return [{"month": m.strftime("%Y-%m"), "wears": found.get(m, 0)} for m in months]


def _cost_per_wear(active: QuerySet[Garment], currency: str, totals: dict) -> dict:
    priced = in_currency(active, currency).annotate(cpw=cost_per_wear())
    average = None
    if totals["value_wears"]:
        average = (Decimal(totals["value_total"]) / totals["value_wears"]).quantize(Decimal("0.01"))
    return {
        "currency": currency,
        "average": average,
        "best": _rows(priced.order_by("cpw", "-wear_count", "id")),
        "worst": _rows(priced.order_by("-cpw", "wear_count", "id")),
    }


def closet_stats(*, user, today: dt.date | None = None) -> dict:
    """The overview of the user's closet (active items unless said otherwise).

    Returns a dict: ``currency`` (the profile's, ISO 4217); ``totals`` (``items``, ``priced``,
    ``worn``, ``never_worn``, ``wears``: sum of ``wear_count``, ``unworn_30|90|180``); ``sections`` /
    ``categories`` / ``colors`` / ``seasons`` (lists of ``{..., "count"}``; colours by dominant colour);
    ``value`` (``total`` Decimal in ``currency``, ``items``, ``other_currencies``); ``spending`` (12
    months ``{"month": "YYYY-MM", "total", "items"}``, see :func:`_spending`); ``wears`` (12 months
    ``{"month", "wears"}``); ``cost_per_wear`` (``average`` over the priced items: value / wears,
    each item counting at least one wear; ``best`` / ``worst``: items, see :func:`item_row`);
    ``most_worn`` / ``least_worn`` (worn at least once) / ``never_worn`` (oldest first); ``unworn``
    (``[{"days", "count"}]`` for ``UNWORN_DAYS``). ``today``: default the current local date.
    """
    today = today or timezone.localdate()
    currency = profile_get(user=user).currency
    active = active_garments(user=user)
    found = _totals(active, today, currency)
    extra = {k: found.pop(k) for k in ("no_season", "value_total", "value_items", "value_wears")}
    totals = found
    sections, categories = _by_section_and_category(active)
    return {
        "currency": currency,
        "today": today,
        "totals": totals,
        "sections": sections,
        "categories": categories,
        "colors": _by_colour(user, totals["items"]),
        "seasons": _by_season(user, extra["no_season"]),
        "value": _value(active, currency, extra),
        "spending": _spending(user, today, currency),
        "wears": _wears(user, today),
        "cost_per_wear": _cost_per_wear(active, currency, extra),
        "most_worn": _rows(active.filter(wear_count__gt=0).order_by("-wear_count", "-last_worn_on", "id")),
        "least_worn": _rows(active.filter(wear_count__gt=0).order_by("wear_count", "last_worn_on", "id")),
        "never_worn": _rows(active.filter(wear_count=0).order_by("since", "created_at", "id")),
        "unworn": [{"days": days, "count": totals[f"unworn_{days}"]} for days in UNWORN_DAYS],
    }

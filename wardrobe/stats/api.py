"""REST API of statistics and declutter: ``GET /api/stats/`` (the overview), ``GET /api/declutter/``
(the candidates) and ``POST /api/declutter/archive/`` (let the chosen ones go, all or nothing).
Thin: the figures come from ``selectors`` and ``declutter``, the write is the closet's."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe.closet import services as closet_services
from wardrobe.closet.filters import MAX_IDS
from wardrobe.stats import declutter, selectors

MONEY = {"max_digits": 20, "decimal_places": 2, "coerce_to_string": True}


class CountSerializer(serializers.Serializer):
    """Items of one group (section, category or season); an empty ``slug``: items without a season."""

    slug = serializers.CharField(allow_blank=True)
    name = serializers.CharField(help_text="In your language.")
    count = serializers.IntegerField()


class CategoryCountSerializer(CountSerializer):
    section = serializers.CharField(help_text="Section slug.")


class ColorCountSerializer(serializers.Serializer):
    """Items by dominant colour; an empty ``name``: items without a colour."""

    name = serializers.CharField(allow_blank=True, help_text="Palette name (vocabulary.palette).")
    label = serializers.CharField(help_text="In your language.")
    hex = serializers.CharField(help_text="#rrggbb of the palette colour.")
    count = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    items = serializers.IntegerField(help_text="Items in the closet (not archived, not waiting for review).")
    priced = serializers.IntegerField(help_text="Of them, with a price.")
    worn = serializers.IntegerField(help_text="Worn at least once.")
    never_worn = serializers.IntegerField()
    wears = serializers.IntegerField(help_text="Sum of their wear counts.")
    unworn_30 = serializers.IntegerField()
    unworn_90 = serializers.IntegerField()
    unworn_180 = serializers.IntegerField()


class MoneySerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217.")
    total = serializers.DecimalField(**MONEY)
    items = serializers.IntegerField()


class ValueSerializer(MoneySerializer):
    """The prices of the items in the closet, summed in your profile's currency; items priced in
    another currency are summed apart (never converted)."""

    other_currencies = MoneySerializer(many=True)


class SpendingMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    total = serializers.DecimalField(
        **MONEY,
        help_text="Prices of the items bought that month (by purchase date, else the day added), archived ones too.",
    )
    items = serializers.IntegerField()


class WearMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    wears = serializers.IntegerField(help_text="Wears logged that month (archived items' too).")


class ItemSerializer(serializers.Serializer):
    """One item of a list."""

    id = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.CharField()
    wear_count = serializers.IntegerField()
    last_worn_on = serializers.DateField(allow_null=True)
    price = serializers.DecimalField(**MONEY, allow_null=True)
    currency = serializers.CharField(allow_blank=True)
    cost_per_wear = serializers.DecimalField(**MONEY, allow_null=True, help_text="price / max(wear_count, 1)")
    url = serializers.CharField(help_text="The item's page.")


class CostPerWearSerializer(serializers.Serializer):
    currency = serializers.CharField()
    average = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="Value of the priced items / their wears (each counting at least one)."
    )
    best = ItemSerializer(many=True, help_text="Lowest cost per wear first (profile's currency only).")
    worst = ItemSerializer(many=True, help_text="Highest cost per wear first (profile's currency only).")


class UnwornSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Items not worn for that many days (never worn: owned that long).")


class StatsSerializer(serializers.Serializer):
    """The answer of ``GET /api/stats/``: everything of the closet's statistics page."""

    currency = serializers.CharField(help_text="Your profile's currency (ISO 4217).")
    today = serializers.DateField()
    totals = TotalsSerializer()
    sections = CountSerializer(many=True)
    categories = CategoryCountSerializer(many=True, help_text="Most items first.")
    colors = ColorCountSerializer(many=True, help_text="By dominant colour, most items first.")
    seasons = CountSerializer(many=True, help_text="An item of several seasons counts in each.")
    value = ValueSerializer()
    spending = SpendingMonthSerializer(many=True, help_text="The last 12 months, oldest first.")
    wears = WearMonthSerializer(many=True, help_text="The last 12 months, oldest first.")
    cost_per_wear = CostPerWearSerializer()
    most_worn = ItemSerializer(many=True)
    least_worn = ItemSerializer(many=True, help_text="Worn at least once, fewest wears first.")
    never_worn = ItemSerializer(many=True, help_text="Owned longest first.")
    unworn = UnwornSerializer(many=True)


class StatsView(APIView):
    """Statistics of your closet."""

    @extend_schema(responses={200: StatsSerializer})
    def get(self, request):
        """Your closet in figures, computed by the database: items by section, category, dominant
        colour and season; its value and what was spent per month; wears per month; cost per wear
        with the best and worst value; most, least and never worn; unworn for 30, 90 and 180 days.
        Only the items in the closet count (not archived, not waiting for review) unless a field says so."""
        return Response(StatsSerializer(selectors.closet_stats(user=request.user)).data)


class DeclutterQuerySerializer(serializers.Serializer):
    """Query parameters of ``GET /api/declutter/``."""

    days = serializers.ChoiceField(
        choices=declutter.PERIODS, default=declutter.DEFAULT_PERIOD, help_text="Not worn for this many days."
    )
    max_cost_per_wear = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="Items whose cost per wear is above this (your currency); without it the `top` highest.",
    )
    top = serializers.IntegerField(min_value=1, max_value=declutter.MAX_TOP, default=declutter.DEFAULT_TOP)
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_IDS, default=50, help_text="At most this many items per list."
    )


class DeclutterSerializer(serializers.Serializer):
    """The answer of ``GET /api/declutter/``."""

    days = serializers.IntegerField()
    currency = serializers.CharField()
    unworn_count = serializers.IntegerField(help_text="How many items were not worn for `days` days.")
    unworn = ItemSerializer(many=True, help_text="Never worn first (owned longest first), then by last wear.")
    costly = ItemSerializer(many=True, help_text="Highest cost per wear first.")


class DeclutterArchiveSerializer(serializers.Serializer):
    """Body of ``POST /api/declutter/archive/``."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_IDS, help_text="Your items' ids."
    )
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in declutter.REASONS])


class DeclutterArchivedSerializer(serializers.Serializer):
    archived = serializers.IntegerField(help_text="How many items were archived.")
    reason = serializers.CharField()


class DeclutterView(APIView):
    """Candidates to let go."""

    @extend_schema(parameters=[DeclutterQuerySerializer], responses={200: DeclutterSerializer})
    def get(self, request):
        """Items in your closet not worn for `days` days, and items worn rarely for their price
        (cost per wear above `max_cost_per_wear`, or the `top` highest)."""
        query = DeclutterQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        unworn = declutter.declutter_unworn(user=request.user, days=params["days"])
        costly, currency = declutter.declutter_costly(
            user=request.user, max_cost_per_wear=params.get("max_cost_per_wear"), top=params["top"]
        )
        limit = params["limit"]
        body = {
            "days": params["days"],
            "currency": currency,
            "unworn_count": unworn.count(),
            "unworn": [selectors.item_row(g) for g in unworn[:limit]],
            "costly": [selectors.item_row(g) for g in costly[:limit]],
        }
        return Response(DeclutterSerializer(body).data)


class DeclutterArchiveView(APIView):
    """Let items go."""

    @extend_schema(
        request=DeclutterArchiveSerializer,
        responses={
            200: DeclutterArchivedSerializer,
            400: OpenApiResponse(
                description="A reason other than donated or sold, an id that is not one of your items, or an "
                "item waiting for review: nothing is archived."
            ),
        },
    )
    def post(self, request):
        """Archive your items `ids` as donated or sold, all or nothing (they stay under Archived)."""
        body = DeclutterArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        n = closet_services.garments_bulk_update(
            user=request.user, ids=data["ids"], changes={"archive": data["reason"]}
        )
        return Response({"archived": n, "reason": data["reason"]})

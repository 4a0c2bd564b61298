"""REST API of packing lists: ``/api/trips/`` (list, create), ``/api/trips/{id}/`` (read with the
weather and the list, update, delete), ``/api/trips/{id}/items/`` (add a garment),
``/api/trips/{id}/items/{item_id}/`` (tick off, remove), ``/api/trips/{id}/propose/`` and
``/api/trips/{id}/plan/``. Thin: the rules live in ``wardrobe.packing.rules``, the writes in
``wardrobe.packing.services``."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe.closet.picture_urls import garment_picture_url
from wardrobe.packing import selectors, services
from wardrobe.packing.models import PackingItem, Trip
from wardrobe.packing.rules import ACTIVITIES, shortfall
from wardrobe.weather.api import WeatherErrorSerializer, weather_error
from wardrobe.weather.forecast import WeatherUnavailable

ACTIVITY_CHOICES = [slug for slug, _label in ACTIVITIES]


class TripWriteSerializer(serializers.Serializer):
    """A new trip (``place`` is looked up by name) or a changed one (``place`` is ignored)."""

    name = serializers.CharField(max_length=120)
    place = serializers.CharField(
        max_length=200, required=False, help_text="A city, looked up like your home location."
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="The last day, included (at most 60 days after the first).")
    activities = serializers.ListField(
        child=serializers.ChoiceField(choices=ACTIVITY_CHOICES), required=False, default=list, max_length=10
    )


class TripCreateSerializer(TripWriteSerializer):
    """A new trip: ``place`` is looked up by name like your home location."""

    place = serializers.CharField(max_length=200, help_text="A city, looked up like your home location.")


class PackingItemSerializer(serializers.ModelSerializer):
    """One line of the packing list."""

    garment = serializers.IntegerField(source="garment_id", read_only=True)
    label = serializers.CharField(source="garment.label", read_only=True)
    picture_url = serializers.SerializerMethodField()

    class Meta:
        model = PackingItem
        fields = ["id", "garment", "label", "role", "proposed", "packed", "picture_url"]
        read_only_fields = ["id", "garment", "label", "role", "proposed", "picture_url"]

    def get_picture_url(self, item) -> str:
        return garment_picture_url(item.garment)


class TripDaySerializer(serializers.Serializer):
    """One day of the trip: its mean temperature (°C) and rain, null beyond the forecast."""

    date = serializers.DateField()
    temp_c = serializers.FloatField(allow_null=True)
    wet = serializers.BooleanField(allow_null=True)


class TripSerializer(serializers.ModelSerializer):
    """A trip (the list view) ; the detail adds ``days``, ``items`` and ``weather_unavailable``."""

    class Meta:
        model = Trip
        fields = ["id", "name", "location_name", "latitude", "longitude", "start_date", "end_date", "activities"]


class TripDetailSerializer(TripSerializer):
    days = TripDaySerializer(many=True, read_only=True)
    weather_unavailable = serializers.CharField(read_only=True)
    items = PackingItemSerializer(many=True, read_only=True)
    missing = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta(TripSerializer.Meta):
        fields = [*TripSerializer.Meta.fields, "days", "weather_unavailable", "items", "missing"]


def _detail(trip: Trip) -> dict:
    weather = services.trip_weather(trip=trip)
    items = list(selectors.packing_items_of(trip=trip))
    data = TripSerializer(trip).data
    data.update(
        days=[{"date": d.date, "temp_c": d.temp_c, "wet": d.wet} for d in weather.days],
        weather_unavailable=weather.unavailable,
        items=PackingItemSerializer(items, many=True).data,
        missing=shortfall([i.role for i in items], weather.days, trip.activities),
    )
    return data  # shaped as TripDetailSerializer (the schema's description)


def _trip(request, pk: int) -> Trip:
    try:
        return selectors.trip_get(user=request.user, pk=pk)
    except Trip.DoesNotExist:
        raise Http404


class TripListView(APIView):
    @extend_schema(responses=TripSerializer(many=True))
    def get(self, request):
        """Your trips, the latest first."""
        return Response(TripSerializer(selectors.trips_of(user=request.user), many=True).data)

    @extend_schema(
        request=TripCreateSerializer,
        responses={
            201: TripDetailSerializer,
            400: OpenApiResponse(description="Invalid trip or unknown place."),
            503: WeatherErrorSerializer,
        },
    )
    def post(self, request):
        """Create a trip and its proposed packing list (from your clean closet and the forecast there)."""
        ser = TripCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            trip = services.trip_create(owner=request.user, **ser.validated_data)
        except WeatherUnavailable as exc:
            return weather_error(exc)
        return Response(_detail(trip), status=status.HTTP_201_CREATED)


class TripDetailView(APIView):
    @extend_schema(responses=TripDetailSerializer)
    def get(self, request, trip_id: int):
        """The trip with the forecast per day, its packing list and what is missing per role."""
        return Response(_detail(_trip(request, trip_id)))

    @extend_schema(request=TripWriteSerializer, responses=TripDetailSerializer)
    def put(self, request, trip_id: int):
        """Change the name, dates or activities (the place stays) and propose the list again."""
        trip = _trip(request, trip_id)
        ser = TripWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.trip_update(trip=trip, **ser.validated_data)
        return Response(_detail(trip))

    @extend_schema(responses={204: None})
    def delete(self, request, trip_id: int):
        """Delete the trip, its list and its planned outfits that were not worn."""
        services.trip_delete(trip=_trip(request, trip_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PackingItemAddSerializer(serializers.Serializer):
    garment = serializers.IntegerField(min_value=1, help_text="The id of a garment of your closet.")


class PackingItemAddView(APIView):
    @extend_schema(request=PackingItemAddSerializer, responses={201: PackingItemSerializer})
    def post(self, request, trip_id: int):
        """Add a garment of your closet to the list."""
        trip = _trip(request, trip_id)
        ser = PackingItemAddSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        item = services.packing_item_add(trip=trip, garment_id=ser.validated_data["garment"])
        return Response(PackingItemSerializer(item).data, status=status.HTTP_201_CREATED)


class PackedSerializer(serializers.Serializer):
    packed = serializers.BooleanField()


class PackingItemView(APIView):
    def _item(self, request, packing_item_id: int) -> PackingItem:
        try:
            return PackingItem.objects.select_related("garment").get(trip__owner=request.user, pk=packing_item_id)
        except PackingItem.DoesNotExist:
            raise Http404

    @extend_schema(request=PackedSerializer, responses=PackingItemSerializer)
    def patch(self, request, packing_item_id: int):
        """Tick the item off (``packed: true``) or back on."""
        item = self._item(request, packing_item_id)
        ser = PackedSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.packing_item_set_packed(item=item, packed=ser.validated_data["packed"])
        return Response(PackingItemSerializer(item).data)

    @extend_schema(responses={204: None})
    def delete(self, request, packing_item_id: int):
        """Take the item off the list."""
        services.packing_item_remove(item=self._item(request, packing_item_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TripProposeView(APIView):
    @extend_schema(request=None, responses=TripDetailSerializer)
    def post(self, request, trip_id: int):
        """Propose the list again for the latest forecast (added and packed items stay)."""
        trip = _trip(request, trip_id)
        services.packing_list_propose(trip=trip)
        return Response(_detail(trip))


class PlannedSerializer(serializers.Serializer):
    outfits = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the outfits planned.")
    dates = serializers.ListField(child=serializers.DateField())


class TripPlanView(APIView):
    @extend_schema(request=None, responses=PlannedSerializer)
    def post(self, request, trip_id: int):
        """Plan one outfit per forecast day from the list, on the calendar (replacing earlier ones)."""
        made = services.trip_outfits_plan(trip=_trip(request, trip_id))
        dates = [o.plans.values_list("date", flat=True).first() for o in made]
        return Response(PlannedSerializer({"outfits": [o.pk for o in made], "dates": dates}).data)

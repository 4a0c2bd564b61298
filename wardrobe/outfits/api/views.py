"""REST API for outfits, their rendered picture, calendar entries and the month calendar. Thin
wrappers over ``selectors`` and ``services``; every object is the requesting user's (others' ids: 404)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe.core.api.fields import FilterListOnlyMixin
from wardrobe.outfits import render as outfit_render
from wardrobe.outfits import selectors, services
from wardrobe.outfits import views as outfit_views
from wardrobe.outfits.api import serializers as s
from wardrobe.outfits.filters import OutfitFilter, PlanFilter
from wardrobe.outfits.models import Outfit, OutfitPlan

NOT_YOURS = OpenApiResponse(description="Not one of your outfits.")
PLAN_NOT_YOURS = OpenApiResponse(description="Not one of your calendar entries.")


def _body(view, serializer_class, **kwargs) -> dict:
    body = serializer_class(data=view.request.data, **kwargs)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _query(view, serializer_class) -> dict:
    params = serializer_class(data=view.request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


class OutfitViewSet(FilterListOnlyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your outfits: garments laid out on a 3:4 canvas, with their warmth and a rendered picture."""

    serializer_class = s.OutfitSerializer
    queryset = Outfit.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = OutfitFilter

    def get_queryset(self):
        return selectors.outfit_list(user=self.request.user)

    def _outfit_response(self, outfit: Outfit, code: int = status.HTTP_200_OK) -> Response:
        outfit = selectors.outfit_get(user=self.request.user, outfit_id=outfit.pk)  # fresh items
        return Response(s.OutfitSerializer(outfit, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.OutfitWriteSerializer, responses={201: s.OutfitSerializer})
    def create(self, request, *args, **kwargs):
        """Save a new outfit: a name, its garments with their places, and optional occasion and seasons.
        A garment that is not yours, not in the closet or listed twice, or a place off the canvas: 400."""
        body = _body(self, s.OutfitWriteSerializer)
        outfit = services.outfit_create(owner=request.user, **body)
        return self._outfit_response(outfit, status.HTTP_201_CREATED)

    @extend_schema(request=s.OutfitWriteSerializer, responses={200: s.OutfitSerializer, 404: NOT_YOURS})
    def update(self, request, *args, **kwargs):
        """Replace the outfit: ``name`` and ``items`` required; occasion and seasons cleared when left out."""
        outfit = self.get_object()
        body = _body(self, s.OutfitWriteSerializer)
        services.outfit_update(
            outfit=outfit,
            name=body["name"],
            items=body["items"],
            occasion=body.get("occasion", ""),
            seasons=body.get("seasons", []),
        )
        return self._outfit_response(outfit)

    @extend_schema(request=s.OutfitWriteSerializer, responses={200: s.OutfitSerializer, 404: NOT_YOURS})
    def partial_update(self, request, *args, **kwargs):
        """Change some fields; ``items`` replaces the whole layout."""
        outfit = self.get_object()
        services.outfit_update(outfit=outfit, **_body(self, s.OutfitWriteSerializer, partial=True))
        return self._outfit_response(outfit)

    @extend_schema(responses={204: None, 404: NOT_YOURS})
    def destroy(self, request, *args, **kwargs):
        """Delete the outfit and its calendar entries (the garments and their wear log stay)."""
        services.outfit_delete(outfit=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.PlanCreateSerializer, responses={201: s.OutfitPlanSerializer, 404: NOT_YOURS})
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        """Put the outfit on your calendar for ``date`` (once per day: again gives the same entry)."""
        outfit = self.get_object()
        plan = services.plan_create(owner=request.user, outfit=outfit, date=_body(self, s.PlanCreateSerializer)["date"])
        return Response(
            s.OutfitPlanSerializer(plan, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.WearOutfitSerializer, responses={200: s.OutfitPlanSerializer, 404: NOT_YOURS})
    @action(detail=True, methods=["post"])
    def wear(self, request, pk=None):
        """Wear the outfit on ``date`` (default today): a worn calendar entry and a wear of each garment.
        A date in the future, or a garment no longer in the closet: 400."""
        outfit = self.get_object()
        plan = services.outfit_wear(outfit=outfit, on=_body(self, s.WearOutfitSerializer).get("date"))
        return Response(s.OutfitPlanSerializer(plan, context=self.get_serializer_context()).data)


class PNGRenderer(renderers.BaseRenderer):
    """``image/png``: lets a client ask for the picture with ``Accept: image/png``."""

    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else b""


class OutfitImageView(APIView):
    """The outfit drawn on the server as a PNG."""

    queryset = Outfit.objects.none()  # for the schema and the id sweep: the ``pk`` is an outfit's
    renderer_classes = [renderers.JSONRenderer, PNGRenderer]

    def handle_exception(self, exc):
        # Errors are JSON whatever the Accept header asked for.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="outfits_image",
        parameters=[
            OpenApiParameter(
                "width",
                {"type": "integer", "minimum": outfit_render.MIN_WIDTH, "maximum": outfit_render.MAX_WIDTH},
                description=f"Canvas width in pixels (default {outfit_render.CANVAS_WIDTH}), rounded up to one of "
                f"{', '.join(map(str, outfit_render.WIDTHS))} (the picture is drawn and cached at those widths "
                "only); the height is 4/3 of it.",
            )
        ],
        responses={
            (200, "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY, description=("PNG; `ETag` given, `Cache-Control: private`.")
            ),
            304: OpenApiResponse(description="Not modified: `If-None-Match` matched the `ETag`."),
            404: NOT_YOURS,
        },
    )
    def get(self, request, pk: int):
        """The outfit's picture: its garments' pictures drawn on a 3:4 canvas in layer order."""
        try:
            outfit = selectors.outfit_get(user=request.user, outfit_id=pk)
        except Outfit.DoesNotExist:
            raise exceptions.NotFound()
        _query(self, s.ImageQuerySerializer)
        return outfit_views.outfit_image(request._request, outfit.pk)


class PlanViewSet(
    FilterListOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your calendar: outfits planned for a day, or worn that day."""

    serializer_class = s.OutfitPlanSerializer
    queryset = OutfitPlan.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = PlanFilter

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user)

    @extend_schema(responses={204: None, 404: PLAN_NOT_YOURS})
    def destroy(self, request, *args, **kwargs):
        """Take the entry off the calendar (wears already logged stay)."""
        services.plan_delete(plan=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.OutfitPlanSerializer, 404: PLAN_NOT_YOURS})
    @action(detail=True, methods=["post"])
    def worn(self, request, pk=None):
        """Mark the entry worn: each garment of the outfit gets a wear on its date. A date in the future,
        or a garment no longer in the closet: 400."""
        plan = services.plan_set_worn(plan=self.get_object())
        return Response(s.OutfitPlanSerializer(plan, context=self.get_serializer_context()).data)


class CalendarView(APIView):
    """A month of your calendar: per day, the garments worn (wear log) and the outfits planned or worn."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month",
                {"type": "string", "pattern": selectors.MONTH_PATTERN},
                description=f"YYYY-MM, years {selectors.MIN_YEAR}..{selectors.MAX_YEAR}; default this month.",
            )
        ],
        responses={200: s.CalendarSerializer},
    )
    def get(self, request):
        year, month = _query(self, s.MonthQuerySerializer).get("month") or selectors.parse_month(None)
        cal = selectors.calendar_month(user=request.user, year=year, month=month)
        data = {"month": f"{year:04d}-{month:02d}", "days": cal.days}
        return Response(s.CalendarSerializer(data, context={"request": request}).data)

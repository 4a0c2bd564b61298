"""Closet API views: thin wrappers over selectors (reads) and services (writes), all scoped to
request.user. List filters are the FilterSets of ``wardrobe.closet.filters`` (django-filter), which
also document the query parameters."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.security import UploadRateThrottle
from wardrobe.closet import selectors, services, summary_selectors
from wardrobe.closet.api import serializers as s
from wardrobe.closet.api.fixes import GarmentFixActions, PhotoFixActions
from wardrobe.closet.api.similar import GarmentSimilarActions
from wardrobe.closet.api.stain import GarmentStainActions
from wardrobe.closet.errors import PhotoBacklogFull
from wardrobe.closet.filters import GarmentFilter, PhotoFilter
from wardrobe.closet.models import Garment, Photo
from wardrobe.core.api.fast import serialize_many
from wardrobe.core.api.fields import FilterListOnlyMixin
from wardrobe.core.api.raw_json import RawJSON, page_json, render_json

NOT_FOUND = OpenApiResponse(description="Not one of your garments.")


class PhotoViewSet(
    PhotoFixActions,
    FilterListOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your photos. Upload one image per request; processing happens in the background. Add a garment
    the model missed (``garments``) or run a photo again (``rerun``)."""

    parser_classes = [MultiPartParser, FormParser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = PhotoFilter
    # The defaults plus the ``upload`` rate on POST (THROTTLE_UPLOAD_RATE); polling is not counted there.
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, UploadRateThrottle]
    queryset = Photo.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = selectors.photo_list(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                "garments__category__section", "garments__type", "garments__colors", "garments__seasons"
            )
        return qs

    def get_serializer_class(self):
        return s.PhotoDetailSerializer if self.action == "retrieve" else s.PhotoSerializer

    def handle_exception(self, exc):
        """Django's request-body limits (raised while the body is parsed, e.g. by the CSRF check of
        session authentication) become a JSON 400 with a message instead of a bare HTML 400."""
        if isinstance(exc, RequestDataTooBig):
            exc = exceptions.ValidationError(
                {
                    "image": [
                        _("The request is too big: its fields other than files may hold at most %(limit)s bytes.")
                        % {"limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"}
                    ]
                }
            )
        elif isinstance(exc, (TooManyFilesSent, TooManyFieldsSent)):
            exc = exceptions.ValidationError({"image": [_("Send one image per request.")]})
        return super().handle_exception(exc)

    # Only multipart can carry a file: a urlencoded form (FormParser) gets a 400, so it is not documented.
    @extend_schema(
        request={"multipart/form-data": s.PhotoUploadSerializer},
        responses={
            202: s.PhotoCreatedSerializer,
            400: OpenApiResponse(
                description="Not exactly one file in ``image``, or a file that is not an "
                "acceptable image (see the message)."
            ),
            415: OpenApiResponse(description="The body is not multipart/form-data."),
            429: OpenApiResponse(
                description="Too many uploads a minute (`THROTTLE_UPLOAD_RATE`), or `MAX_PENDING_PHOTOS` of "
                "your photos are waiting to be analysed already (`code` `too_many_pending`): wait "
                "`Retry-After` seconds."
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Upload one image; it is analysed in the background (poll the photo's ``status``).

        The stored copy is re-encoded without metadata (no EXIF/GPS), upright, sRGB: JPEG, or PNG
        for a PNG upload. Only the content decides whether a file is accepted."""
        upload = s.PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            photo = services.photo_create(owner=request.user, uploaded_file=upload.validated_data["image"])
        except PhotoBacklogFull:
            raise  # 429 with Retry-After (wardrobe.core.api.exceptions)
        except DjangoValidationError as exc:  # a bad file: keyed by the field, as a serializer error is
            raise exceptions.ValidationError({"image": exc.messages})
        return Response({"id": photo.pk, "status": photo.status}, status=status.HTTP_202_ACCEPTED)

    def perform_destroy(self, instance: Photo) -> None:
        services.photo_delete(photo=instance)

    @extend_schema(
        request=None,
        responses={200: s.PhotoConfirmedSerializer, 404: OpenApiResponse(description="Not one of your photos.")},
    )
    @action(detail=True, methods=["post"], url_path="confirm-all")
    def confirm_all(self, request, pk=None):
        """Accept every garment of this photo that waits for review, as the model guessed it."""
        photo = self.get_object()
        return Response({"confirmed": services.photo_confirm_all(photo=photo)})


class GarmentViewSet(
    GarmentFixActions,
    GarmentSimilarActions,
    GarmentStainActions,
    FilterListOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your garments: list with filters, edit (PATCH), delete, review, archive, wear and laundry; fix
    a cutout (``mask``: refine, undo) or merge two garments (``merge``)."""

    serializer_class = s.GarmentSerializer
    queryset = Garment.objects.none()  # for the schema; get_queryset scopes to the user
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = GarmentFilter

    #: Seconds a page of the list is kept (per closet version: any change is seen at once).
    list_seconds = 60
    #: Seconds a garment of the list is kept serialized (per revision: any change is seen at once).
    garment_seconds = 600

    def get_queryset(self):
        return selectors.garments_of(user=self.request.user)

    def list(self, request, *args, **kwargs):
        # No docstring: the schema keeps the class's description. A page's data is kept in the cache
        # per closet version, language and full address (summary_selectors.closet_cached): the same
        # page asked again reads no garment. A page made again reads its (id, revision) rows and
        # serializes only the garments changed since they were kept (_page_json). Invalid filters
        # raise before anything is kept.
        versions = summary_selectors.closet_versions(user_id=request.user.pk)
        content = summary_selectors.closet_cached(
            user=request.user,
            version=versions.token,
            name="api-garments-json",
            parts=(translation.get_language(), request.build_absolute_uri()),
            build=lambda: self._page_json(versions),
            seconds=self.list_seconds,
        )
        return Response(RawJSON(content))

    def _page_json(self, versions: summary_selectors.ClosetVersions) -> bytes:
        """The list's page (``count``, ``next``, ``previous``, ``results``) rendered to JSON
        (``core.api.raw_json``): each garment serialized and rendered once per revision, version
        of tags and taxonomy, language and host (``summary_selectors.garments_cached``), read with
        its colours, seasons and tags by ``garments_load_related`` rather than prefetched (the same
        data, half the CPU), by a serializer kept for the process (``fast.serialize_many``)."""
        self.closet_versions = versions  # the count's key (paginate_queryset)
        queryset = self.filter_queryset(self.get_queryset())
        revisions = queryset.select_related(None).prefetch_related(None).values_list("id", "revision")
        rows = self.paginate_queryset(revisions)

        def build(ids: list[int]) -> dict[int, dict]:
            # The page's ids are known: read them without the filters' joins (selectors.garments_by_ids).
            found = selectors.garments_by_ids(user=self.request.user, ids=ids).prefetch_related(None)
            garments = selectors.garments_load_related(list(found))
            data = serialize_many(s.GarmentSerializer, garments, context=self.get_serializer_context())
            return {g.pk: render_json(row) for g, row in zip(garments, data)}

        parts = (
            "json",
            versions.tags,
            versions.taxonomy,
            translation.get_language(),
            self.request.build_absolute_uri("/"),
        )
        results = summary_selectors.garments_cached(rows=rows, parts=parts, build=build, seconds=self.garment_seconds)
        return page_json(self.get_paginated_response([]).data, results)

    def paginate_queryset(self, queryset):
        """A page of ``queryset``, its count cached per closet version (``summary_selectors.garment_count``)."""
        user = self.request.user
        self.paginator.count_with = lambda: summary_selectors.garment_count(
            user=user,
            versions=getattr(self, "closet_versions", None) or summary_selectors.closet_versions(user_id=user.pk),
            params=self.request.query_params,
            count=queryset.count,
        )
        return super().paginate_queryset(queryset)

    def _garment_response(self, garment: Garment, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.GarmentSerializer(garment, context=self.get_serializer_context()).data, status=code)

    def _body(self, serializer_class, **kwargs) -> dict:
        body = serializer_class(data=self.request.data, **kwargs)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _own_garments(self, ids: list[int]) -> list[Garment]:
        """The user's garments with these ids; a 404 naming the others (missing or not yours)."""
        garments = list(selectors.garments_by_ids(user=self.request.user, ids=ids))
        missing = sorted(set(ids) - {g.pk for g in garments})
        if missing:
            raise exceptions.NotFound(f"No such garment(s): {', '.join(map(str, missing))}.")
        return garments

    def _bulk_response(self, changed: int, ids: list[int]) -> Response:
        garments = selectors.garments_by_ids(user=self.request.user, ids=ids)
        return Response(
            {
                "changed": changed,
                "garments": s.GarmentSerializer(garments, many=True, context=self.get_serializer_context()).data,
            }
        )

    @extend_schema(request=s.GarmentUpdateSerializer, responses={200: s.GarmentSerializer, 404: NOT_FOUND})
    def partial_update(self, request, *args, **kwargs):
        """Change any editable field; only those given change (see ``services.garment_update``)."""
        garment: Garment = self.get_object()
        garment = services.garment_update(garment=garment, **self._body(s.GarmentUpdateSerializer))
        return self._garment_response(garment)

    def perform_destroy(self, instance: Garment) -> None:
        services.garment_delete(garment=instance)

    @extend_schema(request=s.GarmentKindSerializer, responses={200: s.GarmentSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Accept a detection into the closet, optionally as another ``category`` / ``type`` (slugs)."""
        garment = self.get_object()
        garment = services.garment_confirm(garment=garment, **self._body(s.GarmentKindSerializer))
        return self._garment_response(garment)

    @extend_schema(request=None, responses={204: None, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """A false detection: delete the garment and its files."""
        services.garment_reject(garment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.ArchiveSerializer, responses={200: s.GarmentSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Take a garment out of the closet: sold, donated or lost."""
        garment = self.get_object()
        garment = services.garment_archive(garment=garment, reason=self._body(s.ArchiveSerializer)["reason"])
        return self._garment_response(garment)

    @extend_schema(request=None, responses={200: s.GarmentSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def unarchive(self, request, pk=None):
        """Put an archived garment back in the closet."""
        return self._garment_response(services.garment_unarchive(garment=self.get_object()))

    @extend_schema(request=s.WearSerializer, responses={200: s.GarmentSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def wear(self, request, pk=None):
        """Log that the garment was worn on ``date`` (default today); once per day."""
        garment = self.get_object()
        services.garments_wear(garments=[garment], on=self._body(s.WearSerializer).get("date"))
        return self._garment_response(garment)

    @extend_schema(
        request=s.UnwearSerializer,
        responses={
            200: s.GarmentSerializer,
            404: OpenApiResponse(description="Not your garment, or not worn that day."),
        },
    )
    @action(detail=True, methods=["post"])
    def unwear(self, request, pk=None):
        """Undo: remove the wear of ``date``."""
        garment = self.get_object()
        if not services.garment_unwear(garment=garment, on=self._body(s.UnwearSerializer)["date"]):
            raise exceptions.NotFound("The garment was not worn that day.")
        return self._garment_response(garment)

    @extend_schema(request=None, responses={200: s.WearLogSerializer(many=True), 404: NOT_FOUND}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def wears(self, request, pk=None):
        """The days this garment was worn, most recent first."""
        garment = self.get_object()
        wears = selectors.wear_list(user=request.user, garment_id=garment.pk)
        return Response(s.WearLogSerializer(wears, many=True).data)

    @extend_schema(
        operation_id="garments_wear_many",
        request=s.BulkWearSerializer,
        responses={
            200: s.BulkResultSerializer,
            404: OpenApiResponse(description="Some ids are not your garments; nothing done."),
        },
    )
    @action(detail=False, methods=["post"], url_path="wear")
    def wear_many(self, request):
        """Log that several garments were worn on ``date`` (default today); all or nothing."""
        body = self._body(s.BulkWearSerializer)
        garments = self._own_garments(body["ids"])
        changed = services.garments_wear(garments=garments, on=body.get("date"))
        return self._bulk_response(changed, body["ids"])

    @extend_schema(
        request=s.BulkLaundrySerializer,
        responses={
            200: s.BulkResultSerializer,
            404: OpenApiResponse(description="Some ids are not your garments; nothing done."),
        },
    )
    @action(detail=False, methods=["post"], url_path="laundry")
    def laundry(self, request):
        """Mark several garments ``clean`` or ``wash``; all or nothing."""
        body = self._body(s.BulkLaundrySerializer)
        garments = self._own_garments(body["ids"])
        changed = services.garments_set_laundry(garments=garments, laundry=body["laundry"])
        return self._bulk_response(changed, body["ids"])


class ReviewListView(generics.ListAPIView):
    """Your garments waiting for review (with the model's ``guesses``), grouped by photo, newest photo first."""

    serializer_class = s.GarmentSerializer

    def get_queryset(self):
        return selectors.review_queue(user=self.request.user)


class CategoryListView(generics.ListAPIView):
    """All categories with the number of your garments in each."""

    serializer_class = s.CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.category_list_with_counts(user=self.request.user)

"""The API's page-number pagination, with the page size the client asks for."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PageSizePagination(PageNumberPagination):
    """``?page=N`` and ``?page_size=K`` (1 to ``max_page_size``, larger values capped; default
    ``PAGE_SIZE``, 50, also for an empty ``page_size=``). Raises ``ValidationError`` (a 400) for a
    ``page_size`` that is not a whole number of at least 1."""

    page_size_query_param = "page_size"
    max_page_size = 200
    #: Set by a view to count its list another way (a cached count, issue 18 point 10); ``None``:
    #: Django's ``Paginator`` runs ``COUNT(*)`` on the queryset.
    count_with: Callable[[], int] | None = None

    def django_paginator_class(self, queryset, page_size: int) -> Paginator:
        """DRF's factory of the Django ``Paginator`` (a class attribute there, called as
        ``self.django_paginator_class(queryset, page_size)``): the same, with its ``count`` from
        ``count_with`` when a view set one."""
        paginator = Paginator(queryset, page_size)
        if self.count_with is not None:
            paginator.count = self.count_with()
        return paginator

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({"page_size": [_("A page size is a whole number from 1 to 200.")]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        """The OpenAPI parameters of DRF's pagination, with ``page_size`` given its minimum of 1,
        so that the schema documents the 400 that ``get_page_size`` gives for 0."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters

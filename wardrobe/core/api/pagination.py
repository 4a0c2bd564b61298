"""The API's page-number pagination, with the page size the client asks for."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PageSizePagination(PageNumberPagination):
    """``?page=N`` and ``?page_size=K`` (1 to ``max_page_size``, larger values capped; default
    ``PAGE_SIZE``, 50, also for an empty ``page_size=``). Raises ``ValidationError`` (a 400) for a
    ``page_size`` that is not a whole number of at least 1."""

    page_size_query_param = "page_size"
    max_page_size = 200

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

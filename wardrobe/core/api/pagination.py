"""The API's page-number pagination, with the page size the client asks for."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PageSizePagination(PageNumberPagination):
    """``?page=N`` and ``?page_size=K`` (1 to ``max_page_size``, larger values capped; default
    ``PAGE_SIZE``, 50). Raises ``ValidationError`` (a 400) for a ``page_size`` that is not a whole
    number of at least 1."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({"page_size": [_("A page size is a whole number from 1 to 200.")]})
        return min(int(raw), self.max_page_size)

"""The API's page-number pagination, with the page size the client asks for."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class PageSizePagination(PageNumberPagination):
    """``?page=N`` and ``?page_size=K`` (1 to ``max_page_size``; default ``PAGE_SIZE``, 50). A
    ``page_size`` that is not a positive whole number falls back to the default, as DRF does."""

    page_size_query_param = "page_size"
    max_page_size = 200

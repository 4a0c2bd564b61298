"""Small request helpers shared by the web pages."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` URL of the POST body or query string when it points to this site, else ``default``
    (never an open redirect: another host or scheme is refused)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without ``names`` (for pager and filter links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()

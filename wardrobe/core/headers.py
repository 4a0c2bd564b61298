"""Hardening headers on every answer, next to the Content-Security-Policy that django-csp writes
(``CONTENT_SECURITY_POLICY`` in ``wardrobe/settings.py``):

* ``Permissions-Policy``: every powerful browser feature the app does not use is switched off, for
  the app's pages and for anything framed in them. (The upload page's camera button is an
  ``<input type=file capture>``, which opens the device's camera app and needs no permission.)
* ``Cache-Control: private, no-store`` on every answer that does not set its own policy: the pages
  and the API carry a person's closet, or at least a CSRF token, so no shared cache (a proxy, a CDN)
  and no browser disk may keep a copy. Answers that do set a policy keep it: the owner-checked
  files (``private, max-age=3600`` under versioned URLs, ``wardrobe.core.media``) and the static
  files, which WhiteNoise serves publicly cacheable before a view is reached.
* DRF's browsable API (its HTML pages for people trying the API) writes ``style`` attributes and a
  ``<style>`` element in its own templates: those pages alone may apply inline styles. Scripts stay
  as strict as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.constants import UNSAFE_INLINE
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from rest_framework.renderers import BrowsableAPIRenderer

#: Features switched off for every origin (``feature=()``): the app uses none of them. Only names
#: Chromium knows, so the browser logs no "Unrecognized feature" warning.
DISABLED_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
#: Features the app's own pages may ask for (``feature=(self)``), never a framed page: the suggestions'
#: "Use my location" button asks the browser for the position once, on the person's consent.
SELF_FEATURES = ("geolocation",)
PERMISSIONS_POLICY = ", ".join(
    [f"{feature}=()" for feature in DISABLED_FEATURES] + [f"{feature}=(self)" for feature in SELF_FEATURES]
)
#: What an answer gets when it sets no cache policy of its own.
PRIVATE_NO_STORE = {"private": True, "no_store": True}


class HardeningHeadersMiddleware:
    """Adds ``Permissions-Policy`` and the default ``Cache-Control`` (see the module's docstring).

    Sits just inside django-csp's ``CSPMiddleware`` (which reads the browsable API's relaxed style
    policy from the answer on the way out) and outside WhiteNoise, so static files get the headers too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """The view's answer with the headers added (a header the view set itself is kept)."""
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        if "Cache-Control" not in response:
            patch_cache_control(response, **PRIVATE_NO_STORE)
        if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return response

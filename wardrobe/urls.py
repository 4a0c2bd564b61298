"""Root URLconf: it composes the rooms' routes, and nothing else lives here.

Pages: accounts under ``/accounts/`` (with the settings page of ``preferences``), the closet,
outfits and suggestions at the root. API under ``/api/``: ``auth/`` (accounts), ``me/`` (your
settings, export, account deletion), each room's resources, and the schema and its docs.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api_urls import me_urlpatterns as account_me_urls
from wardrobe.backup.urls import api_urlpatterns as backup_me_urls
from wardrobe.care.urls import api_urlpatterns as care_api_urls
from wardrobe.preferences.urls import api_urlpatterns as preferences_api_urls

api_urlpatterns = [
    path("auth/", include("accounts.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script=): no inline script, as the CSP asks.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("me/", include(preferences_api_urls + backup_me_urls + account_me_urls)),
    path("", include("wardrobe.weather.urls")),
    path("", include("wardrobe.suggestions.api_urls")),
    path("", include("wardrobe.packing.api_urls")),
    path("", include("wardrobe.wishlist.api_urls")),
    path("", include("wardrobe.stats.api_urls")),
    path("", include("wardrobe.outfits.api.urls")),
    path("", include(care_api_urls)),
    path("", include("wardrobe.closet.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("wardrobe.preferences.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", include(api_urlpatterns)),
    path("", include("wardrobe.suggestions.urls")),
    path("", include("wardrobe.outfits.urls")),
    path("", include("wardrobe.packing.urls")),
    path("", include("wardrobe.wishlist.urls")),
    path("", include("wardrobe.stats.urls")),
    path("", include("wardrobe.backup.urls")),
    path("", include("wardrobe.care.urls")),
    path("", include("wardrobe.closet.urls")),
]

# Errors that escape the views (a URL matching no route, an unhandled exception, a body over Django's
# limits) answer JSON under /api/, as the API's other errors do, and the error pages elsewhere.
handler400 = "wardrobe.core.api.exceptions.bad_request"
handler403 = "wardrobe.core.api.exceptions.permission_denied"
handler404 = "wardrobe.core.api.exceptions.not_found"
handler500 = "wardrobe.core.api.exceptions.server_error"

"""Root URLconf: pages, accounts, admin, REST API and its schema/docs."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/auth/", include("accounts.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/", include("wardrobe.api.urls")),
    path("", include("wardrobe.web_urls")),
]

# A URL under /api/ that matches no route answers JSON, as the API's other errors do.
handler404 = "wardrobe.api.exceptions.not_found"

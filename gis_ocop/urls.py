from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("workspace/", include("apps.workspace.urls")),
    path("inspections/", include("apps.traceability.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("apps.territory.api_urls")),
    path("api/v1/", include("apps.layers.api_urls")),
    path("ogc/", include("apps.layers.ogc_urls")),
    path("tiles/", include("apps.layers.tile_urls")),
    path("api/v1/", include("apps.traceability.api_urls")),
    path("api/v1/", include("apps.stamps.api_urls")),
    path("api/v1/", include("apps.accounts.api_urls")),
    path("api/v1/", include("apps.evaluation.api_urls")),
    path("", include("apps.stamps.urls")),
    path("", include("apps.maps.urls")),
    path("transfer/", include("apps.transfer.urls")),
    path("reports/", include("apps.reports.urls")),
    path("", include("apps.evaluation.urls")),
    path("", include("apps.portal.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

"""The URLs the layer tests need, without other apps' pages (which may be mid-work in a shared tree).

Same mount points as gis_ocop/urls.py for everything the layers app serves or links to, and for what the
site's base template links to (admin, home, the map pages).
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("apps.layers.api_urls")),
    path("ogc/", include("apps.layers.ogc_urls")),
    path("tiles/", include("apps.layers.tile_urls")),
    path("", include("apps.maps.urls")),
    path("", include("apps.portal.urls")),
]

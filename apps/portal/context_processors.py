from django.conf import settings


def site(request):
    return {
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "BASEMAP_TILE_URL": settings.BASEMAP_TILE_URL,
        "BASEMAP_ATTRIBUTION": settings.BASEMAP_ATTRIBUTION,
    }

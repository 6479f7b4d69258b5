"""Reads over tourism sites and routes."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.db.models import QuerySet

from apps.common.text import fold
from apps.tourism.models import TourismSite, TourRoute


def route_sites(route: TourRoute) -> list[TourismSite]:
    """The route's sites in visiting order."""
    return [stop.site for stop in route.stops.select_related("site").order_by("position")]


def search_tourism_sites(query: str) -> QuerySet[TourismSite]:
    """Sites whose name contains ``query``, ignoring diacritics and case."""
    return TourismSite.objects.filter(search_name__contains=fold(query))


def routes_through(site: TourismSite) -> QuerySet[TourRoute]:
    return TourRoute.objects.filter(stops__site=site).distinct()


def sites_within(area: GEOSGeometry) -> QuerySet[TourismSite]:
    """Sites whose point lies in ``area`` (e.g. a commune's boundary or a map window)."""
    return TourismSite.objects.filter(location__within=area)

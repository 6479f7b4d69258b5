"""Reads over sales points: open now, who carries a product, search and nearest."""

from __future__ import annotations

import datetime

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.utils import timezone

from apps.common.hours import is_open
from apps.common.spatial import KnnDistance, geography, geometry_value
from apps.common.text import fold
from apps.outlets.models import SalesPoint


def is_open_now(sales_point: SalesPoint, at: datetime.datetime | None = None) -> bool:
    """Whether ``sales_point`` is open at ``at`` (now by default), in Vietnam's local time.

    A place without opening hours counts as closed: we do not guess.
    """
    return is_open(sales_point.opening_hours, at or timezone.now())


def open_sales_points(at: datetime.datetime | None = None, queryset: QuerySet[SalesPoint] | None = None) -> list[
        SalesPoint]:
    """The sales points open at ``at`` (opening hours are JSON, so this filters in Python)."""
    at = at or timezone.now()
    queryset = queryset if queryset is not None else SalesPoint.objects.exclude(opening_hours={})
    return [point for point in queryset if is_open(point.opening_hours, at)]


def sales_points_carrying(product) -> QuerySet[SalesPoint]:
    """The sales points that carry ``product``."""
    return SalesPoint.objects.filter(products=product).select_related("commune").order_by("name")


def search_sales_points(query: str) -> QuerySet[SalesPoint]:
    """Sales points whose name contains ``query``, ignoring diacritics and case."""
    return SalesPoint.objects.filter(search_name__contains=fold(query))


def nearest_sales_points(location: Point, *, limit: int = 10) -> QuerySet[SalesPoint]:
    """The ``limit`` sales points nearest ``location``, with ``distance_m`` measured on the ellipsoid."""
    return (
        SalesPoint.objects.order_by(KnnDistance("location", location))
        .annotate(distance_m=Distance(geography("location"), geography(geometry_value(location))))[:limit]
    )

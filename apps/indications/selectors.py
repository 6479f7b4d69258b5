"""Reads over geographical indications and marks."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry
from django.db.models import QuerySet

from apps.common.text import fold
from apps.indications.models import GeographicalIndication


def indications_covering(location: GEOSGeometry) -> QuerySet[GeographicalIndication]:
    """Indications whose protected area contains ``location`` (e.g. to tell whether a zone may use the name)."""
    return GeographicalIndication.objects.filter(protected_area__covers=location)


def indications_for_product(product) -> QuerySet[GeographicalIndication]:
    return GeographicalIndication.objects.filter(products=product)


def search_indications(query: str) -> QuerySet[GeographicalIndication]:
    """Indications whose name contains ``query``, ignoring diacritics and case."""
    return GeographicalIndication.objects.filter(search_name__contains=fold(query))

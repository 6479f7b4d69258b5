"""Reads over packing and production facilities."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.common.text import fold
from apps.facilities.models import FacilityStatus, PackingFacility, ProductionFacility


def active_packing_facilities(*, market: str | None = None) -> QuerySet[PackingFacility]:
    """Packing facilities whose code is active, optionally those allowed to ship to ``market`` (e.g. "CN")."""
    queryset = PackingFacility.objects.filter(status=FacilityStatus.ACTIVE)
    if market:
        queryset = queryset.filter(target_markets__contains=[market.upper()])
    return queryset


def search_packing_facilities(query: str) -> QuerySet[PackingFacility]:
    """By name (diacritics ignored) or code."""
    return PackingFacility.objects.filter(Q(search_name__contains=fold(query)) | Q(code__icontains=query.strip()))


def production_facilities_of(producer) -> QuerySet[ProductionFacility]:
    return ProductionFacility.objects.filter(producer=producer)


def search_production_facilities(query: str) -> QuerySet[ProductionFacility]:
    return ProductionFacility.objects.filter(search_name__contains=fold(query))

"""Reads over products and their classification."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.common.text import fold
from apps.producers.models import Producer
from apps.products.models import ClassificationLevel, Product, ProductCategory
from apps.territory.models import AdministrativeUnit


def categories(*, scheme: str, level: str | None = None) -> QuerySet[ProductCategory]:
    """The classification nodes of one scheme ("1048/2019" or "148/2023"), in code order."""
    queryset = ProductCategory.objects.filter(scheme=scheme).select_related("parent")
    if level:
        queryset = queryset.filter(level=level)
    return queryset.order_by("code")


def industries(*, scheme: str) -> QuerySet[ProductCategory]:
    return categories(scheme=scheme, level=ClassificationLevel.INDUSTRY)


def products(
    *,
    query: str = "",
    category: ProductCategory | None = None,
    producer: Producer | None = None,
    origin_commune: AdministrativeUnit | None = None,
    kind: str | None = None,
) -> QuerySet[Product]:
    """Products filtered by name (diacritics-insensitive), category with its descendants, producer, commune, kind."""
    queryset = Product.objects.select_related("category", "producer")
    folded = fold(query)
    if folded:
        queryset = queryset.filter(search_name__contains=folded)
    if category is not None:
        # Codes are dotted paths ("food.processed.aquatic"), so a prefix selects a whole branch.
        queryset = queryset.filter(Q(category=category) | Q(category__scheme=category.scheme,
                                                             category__code__startswith=f"{category.code}."))
    if producer is not None:
        queryset = queryset.filter(producer=producer)
    if origin_commune is not None:
        queryset = queryset.filter(origin_communes=origin_commune)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset

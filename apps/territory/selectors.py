"""Reads and spatial queries over administrative units."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db.models import Case, IntegerField, QuerySet, Value, When

from apps.common.spatial import KnnDistance
from apps.common.text import fold
from apps.territory.models import AdministrativeUnit, Era, Level


@dataclass(frozen=True)
class CommuneMatch:
    """The commune found for a point; ``is_approximate`` when found by nearest centroid, not boundary."""

    commune: AdministrativeUnit
    is_approximate: bool


def units(*, era: str | None = None, level: str | None = None) -> QuerySet[AdministrativeUnit]:
    queryset = AdministrativeUnit.objects.all()
    if era:
        queryset = queryset.filter(era=era)
    if level:
        queryset = queryset.filter(level=level)
    return queryset


def search_units(query: str, *, era: str | None = None, level: str | None = None, limit: int = 20):
    """Find units by name, ignoring Vietnamese diacritics and case ("buon ma thuot" finds "Buôn Ma Thuột").

    Names that start with the query come first, then shorter names.
    """
    folded = fold(query)
    if not folded:
        return AdministrativeUnit.objects.none()
    from django.db.models.functions import Length

    return (
        units(era=era, level=level)
        .filter(search_name__contains=folded)
        .annotate(
            rank=Case(
                When(search_name__startswith=folded, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            name_length=Length("search_name"),
        )
        .order_by("rank", "name_length", "code")[:limit]
    )


def ancestors(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """Return the unit's parents from the nearest up to the province."""
    chain: list[AdministrativeUnit] = []
    current = unit.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    chain = ancestors(unit)
    return chain[-1] if chain else unit


def commune_containing(
    point: Point, *, era: str = Era.CURRENT, province: AdministrativeUnit | None = None
) -> CommuneMatch | None:
    """Find the commune that contains ``point``.

    Uses boundaries where they are loaded. Otherwise — approximate, and flagged as such — returns
    the commune whose centroid is nearest, within the province whose boundary contains the point
    (or ``province`` when given, or the province of the nearest commune centroid).
    """
    communes = units(era=era, level=Level.COMMUNE)
    by_boundary = communes.filter(boundary__contains=point).first()
    if by_boundary is not None:
        return CommuneMatch(by_boundary, is_approximate=False)

    if province is None:
        province = units(era=era, level=Level.PROVINCE).filter(boundary__contains=point).first()
    candidates = communes.filter(centroid__isnull=False)
    if province is not None:
        # Communes hang directly under the province in 2025, under a district in the legacy era.
        candidates = candidates.filter(parent=province) | candidates.filter(parent__parent=province)
    nearest = candidates.order_by(KnnDistance("centroid", point)).first()
    if nearest is None:
        return None
    return CommuneMatch(nearest, is_approximate=True)


def current_successors(legacy_unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """Current communes that absorbed a legacy commune, primary successor first."""
    return [
        mapping.current
        for mapping in legacy_unit.current_mappings.select_related("current").order_by("-is_primary", "current__code")
    ]

"""State changes for sales points (điểm bán): OCOP centres, booths, counters and out-of-province showcases."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.geometry import POINT, normalize_geometry
from apps.common.hours import validate_opening_hours
from apps.common.text import fold
from apps.outlets.models import SalesPoint, SalesPointKind
from apps.territory.models import Era, Level
from apps.zones.selectors import commune_at, home_province, province_extent, provinces_of


class SalesPointError(DomainError):
    default_code = "invalid_sales_point"


_FIELDS = {"name", "kind", "location", "opening_hours", "products", "address", "phone", "operator",
           "legacy_district"}


def _is_outside_home_province(location: GEOSGeometry, commune) -> bool:
    """Whether ``location`` lies outside the province this installation serves."""
    home = home_province()
    if commune is not None:
        return provinces_of([commune])[0].pk != home.pk
    extent = province_extent(home)
    return extent is None or not extent.geometry.covers(location)


def _apply(point: SalesPoint, fields: dict) -> None:
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise SalesPointError("name_required", _("The sales point needs a name."), field="name")
        point.name, point.search_name = name, fold(name)
    if "kind" in fields:
        if fields["kind"] not in SalesPointKind.values:
            raise SalesPointError("unknown_kind", _("Unknown kind of sales point %(kind)s.") % {"kind": fields["kind"]},
                                  field="kind")
        point.kind = fields["kind"]
    if "opening_hours" in fields:
        point.opening_hours = validate_opening_hours(fields["opening_hours"])
    for name in ("address", "phone"):
        if name in fields:
            setattr(point, name, (fields[name] or "").strip())
    if "operator" in fields:
        point.operator = fields["operator"]
    if "legacy_district" in fields:
        district = fields["legacy_district"]
        if district is not None and (district.era != Era.LEGACY or district.level != Level.DISTRICT):
            raise SalesPointError("not_a_legacy_district", _("%(unit)s is not a district of before July 2025.")
                                  % {"unit": district.name}, field="legacy_district")
        point.legacy_district = district
    if "location" in fields:
        point.location = normalize_geometry(fields["location"], kind=POINT, field_name="location").geometry
        match = commune_at(point.location)
        point.commune = match.commune if match else None
        point.is_outside_province = _is_outside_home_province(point.location, point.commune)
    _check_kind_and_place(point)


def _check_kind_and_place(point: SalesPoint) -> None:
    is_showcase = point.kind == SalesPointKind.SHOWCASE_OUTSIDE
    if point.is_outside_province and not is_showcase:
        raise SalesPointError(
            "outside_province",
            _("This place lies outside %(province)s: only a “%(showcase)s” can be there, not a “%(kind)s”.")
            % {"province": home_province().name, "showcase": SalesPointKind.SHOWCASE_OUTSIDE.label,
               "kind": SalesPointKind(point.kind).label},
            field="kind",
        )
    if is_showcase and not point.is_outside_province:
        raise SalesPointError(
            "showcase_inside_province",
            _("A “%(showcase)s” must lie outside %(province)s; this place is inside it.")
            % {"showcase": SalesPointKind.SHOWCASE_OUTSIDE.label, "province": home_province().name},
            field="kind",
        )


@transaction.atomic
def create_sales_point(
    *,
    name: str,
    kind: str,
    location: GEOSGeometry | str | dict,
    opening_hours: dict | None = None,
    products: Iterable = (),
    address: str = "",
    phone: str = "",
    operator=None,
    legacy_district=None,
    user=None,
) -> SalesPoint:
    """Record a sales point; its commune and ``is_outside_province`` are computed from the location.

    The location must lie in Vietnam (``outside_vietnam``…). A point outside the province this
    installation serves must be a showcase outside the province (``outside_province``) and a
    showcase must lie outside it (``showcase_inside_province``). Opening hours are checked by
    :func:`apps.common.hours.validate_opening_hours` (``bad_time``, ``unknown_day``…).
    """
    point = SalesPoint()
    _apply(point, {"name": name, "kind": kind, "location": location, "opening_hours": opening_hours,
                   "address": address, "phone": phone, "operator": operator, "legacy_district": legacy_district})
    point.save()
    point.products.set(list(products))
    return point


@transaction.atomic
def update_sales_point(*, sales_point: SalesPoint, user=None, **changes) -> SalesPoint:
    """Change a sales point (any argument of :func:`create_sales_point`), recomputing what derives from it."""
    unknown = set(changes) - _FIELDS
    if unknown:
        raise SalesPointError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                              % {"fields": ", ".join(sorted(unknown))})
    point = SalesPoint.objects.select_for_update().get(pk=sales_point.pk)
    _apply(point, {name: value for name, value in changes.items() if name != "products"})
    point.save()
    if "products" in changes:
        point.products.set(list(changes["products"]))
    return point

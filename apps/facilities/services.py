"""State changes for packing facilities (cơ sở đóng gói) and production facilities (cơ sở sản xuất)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.codes.selectors import canonical_code, validate_code
from apps.common.errors import DomainError
from apps.common.geometry import AREAL, POINT, GeometryError, normalize_geometry
from apps.common.status import apply_status_change, record_initial_status
from apps.common.text import fold
from apps.facilities.models import FacilityStatus, PackingFacility, ProductionFacility
from apps.zones.selectors import commune_at


class FacilityError(DomainError):
    default_code = "invalid_facility"


PACKING_TRANSITIONS = {
    FacilityStatus.ACTIVE: {FacilityStatus.SUSPENDED, FacilityStatus.REVOKED},
    FacilityStatus.SUSPENDED: {FacilityStatus.ACTIVE, FacilityStatus.REVOKED},
    FacilityStatus.REVOKED: set(),
}
CODE_TYPES = ("domestic", "export")
_PACKING_FIELDS = {
    "name", "code", "code_type", "location", "footprint", "operator", "operator_name", "address", "target_markets",
    "capacity_tonnes_per_day", "issuing_authority", "issue_date",
}
_PRODUCTION_FIELDS = {"name", "producer", "location", "address", "makes", "products"}


def _required_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise FacilityError("name_required", _("The facility needs a name."), field="name")
    return name


def _place(facility, location) -> None:
    """Normalise the location (a point in Vietnam) and compute the commune containing it."""
    facility.location = normalize_geometry(location, kind=POINT, field_name="location").geometry
    match = commune_at(facility.location)
    facility.commune = match.commune if match else None


def _footprint(footprint) -> Polygon | None:
    if footprint in (None, ""):
        return None
    shape = normalize_geometry(footprint, kind=AREAL, field_name="footprint").geometry
    if len(shape) != 1:
        raise GeometryError("wrong_type", _("The footprint must be one polygon, not %(count)s.")
                            % {"count": len(shape)}, field="footprint")
    return shape[0]


def _markets(target_markets: Iterable[str]) -> list[str]:
    markets: list[str] = []
    for market in target_markets or ():
        market = (market or "").strip().upper()
        if len(market) != 2 or not market.isalpha():
            raise FacilityError("bad_market", _("%(market)s is not a two-letter country code (CN, US, EU…).")
                                % {"market": market or "∅"}, field="target_markets")
        if market not in markets:
            markets.append(market)
    return markets


def _apply_packing(facility: PackingFacility, fields: dict) -> None:
    if "name" in fields:
        facility.name = _required_name(fields["name"])
        facility.search_name = fold(facility.name)
    if "code_type" in fields:
        if fields["code_type"] not in CODE_TYPES:
            raise FacilityError("unknown_code_type", _("Unknown type of code %(type)s.")
                                % {"type": fields["code_type"]}, field="code_type")
        facility.code_type = fields["code_type"]
    for name in ("operator", "issue_date"):
        if name in fields:
            setattr(facility, name, fields[name])
    for name in ("operator_name", "address", "issuing_authority"):
        if name in fields:
            setattr(facility, name, (fields[name] or "").strip())
    if "capacity_tonnes_per_day" in fields:
        capacity = fields["capacity_tonnes_per_day"]
        if capacity is not None and Decimal(capacity) <= 0:
            raise FacilityError("bad_capacity", _("The capacity must be positive."), field="capacity_tonnes_per_day")
        facility.capacity_tonnes_per_day = capacity
    if "target_markets" in fields:
        facility.target_markets = _markets(fields["target_markets"])
    if "location" in fields:
        _place(facility, fields["location"])
    if "footprint" in fields:
        facility.footprint = _footprint(fields["footprint"])
        if facility.footprint is not None and not facility.footprint.buffer(0.0001).covers(facility.location):
            raise FacilityError("location_outside_footprint", _("The facility's point lies outside its footprint."),
                                field="location")
    if "code" in fields or "code_type" in fields:
        code = canonical_code(fields.get("code", facility.code))
        letters, sequence = validate_code(f"packing_{facility.code_type}", code,
                                          on=facility.issue_date or timezone.localdate())
        if PackingFacility.objects.filter(code=code).exclude(pk=facility.pk).exists():
            raise FacilityError("duplicate_code", _("The code %(code)s belongs to another facility.")
                                % {"code": code}, field="code")
        facility.code, facility.province_letters, facility.sequence = code, letters, sequence


@transaction.atomic
def register_packing_facility(
    *,
    name: str,
    code: str,
    location: GEOSGeometry | str | dict,
    code_type: str = "export",
    operator=None,
    operator_name: str = "",
    footprint: GEOSGeometry | str | dict | None = None,
    address: str = "",
    target_markets: Iterable[str] = (),
    capacity_tonnes_per_day: Decimal | None = None,
    issuing_authority: str = "",
    issue_date: datetime.date | None = None,
    user=None,
) -> PackingFacility:
    """Register a packing facility under its official code (mã số cơ sở đóng gói).

    The code is validated against the packing format of its type in force on ``issue_date``
    (``code_format``) and its letters and sequence stored; the point is normalised and its commune
    computed. The facility starts active, with a dated first history entry.
    """
    if operator is None and not (operator_name or "").strip():
        raise FacilityError("operator_required", _("Name the operator, or choose an OCOP producer."),
                            field="operator_name")
    facility = PackingFacility(status=FacilityStatus.ACTIVE)
    _apply_packing(facility, {
        "name": name, "code_type": code_type, "code": code, "location": location, "footprint": footprint,
        "operator": operator, "operator_name": operator_name, "address": address, "target_markets": target_markets,
        "capacity_tonnes_per_day": capacity_tonnes_per_day, "issuing_authority": issuing_authority,
        "issue_date": issue_date,
    })
    facility.save()
    record_initial_status(record=facility, history=facility.status_history,
                          effective_date=issue_date or timezone.localdate(), user=user)
    return facility


@transaction.atomic
def update_packing_facility(*, facility: PackingFacility, user=None, **changes) -> PackingFacility:
    """Change a packing facility's particulars (any field of :func:`register_packing_facility`)."""
    unknown = set(changes) - _PACKING_FIELDS
    if unknown:
        raise FacilityError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                            % {"fields": ", ".join(sorted(unknown))})
    facility = PackingFacility.objects.select_for_update().get(pk=facility.pk)
    if "footprint" not in changes and "location" in changes:
        changes["footprint"] = facility.footprint
    _apply_packing(facility, changes)
    if facility.operator is None and not facility.operator_name.strip():
        raise FacilityError("operator_required", _("Name the operator, or choose an OCOP producer."),
                            field="operator_name")
    facility.save()
    return facility


@transaction.atomic
def change_packing_facility_status(
    *, facility: PackingFacility, to_status: str, effective_date: datetime.date, reason: str = "", user=None
) -> PackingFacility:
    """Suspend, reactivate or revoke a packing facility's code, with a dated history entry (revoked is final)."""
    facility = PackingFacility.objects.select_for_update().get(pk=facility.pk)
    apply_status_change(record=facility, history=facility.status_history, transitions=PACKING_TRANSITIONS,
                        labels=dict(FacilityStatus.choices), to_status=to_status, effective_date=effective_date,
                        reason=reason, user=user, error_class=FacilityError)
    return facility


def _apply_production(facility: ProductionFacility, fields: dict) -> None:
    if "name" in fields:
        facility.name = _required_name(fields["name"])
        facility.search_name = fold(facility.name)
    if "producer" in fields:
        if fields["producer"] is None:
            raise FacilityError("producer_required", _("Choose the producer."), field="producer")
        facility.producer = fields["producer"]
    for name in ("address", "makes"):
        if name in fields:
            setattr(facility, name, fields[name] or "")
    if "location" in fields:
        _place(facility, fields["location"])


@transaction.atomic
def register_production_facility(
    *,
    name: str,
    producer,
    location: GEOSGeometry | str | dict,
    address: str = "",
    makes: str = "",
    products: Iterable = (),
    user=None,
) -> ProductionFacility:
    """Register a producer's production facility or workshop; the point is normalised and its commune computed."""
    facility = ProductionFacility()
    _apply_production(facility, {"name": name, "producer": producer, "location": location, "address": address,
                                 "makes": makes})
    facility.save()
    _set_products(facility, products)
    return facility


def _set_products(facility: ProductionFacility, products: Iterable) -> None:
    products = list(products)
    for product in products:
        if product.producer_id != facility.producer_id:
            raise FacilityError("foreign_product", _("%(product)s is not a product of %(producer)s.")
                                % {"product": product.name, "producer": facility.producer.name}, field="products")
    facility.products.set(products)


@transaction.atomic
def update_production_facility(*, facility: ProductionFacility, user=None, **changes) -> ProductionFacility:
    """Change a production facility's particulars (any field of :func:`register_production_facility`)."""
    unknown = set(changes) - _PRODUCTION_FIELDS
    if unknown:
        raise FacilityError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                            % {"fields": ", ".join(sorted(unknown))})
    facility = ProductionFacility.objects.select_for_update().get(pk=facility.pk)
    _apply_production(facility, changes)
    facility.save()
    if "products" in changes:
        _set_products(facility, changes["products"])
    return facility

"""State changes for geographical indications (chỉ dẫn địa lý) and collective / certification marks."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.gis.db.models.functions import Area
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.geometry import AREAL, normalize_geometry
from apps.common.spatial import geography
from apps.common.text import fold
from apps.indications.models import GeographicalIndication, MarkKind


class IndicationError(DomainError):
    default_code = "invalid_indication"


_FIELDS = {"name", "kind", "registration_number", "holder", "protected_area", "registered_on", "products",
           "description"}


def _measure_area_ha(indication: GeographicalIndication) -> Decimal:
    """The protected area in hectares, measured by PostGIS on the WGS 84 ellipsoid (geography)."""
    area = (GeographicalIndication.objects.filter(pk=indication.pk)
            .annotate(measured=Area(geography("protected_area"))).get().measured)
    return Decimal(str(round(area.sq_m / 10_000, 2)))


def _apply(indication: GeographicalIndication, fields: dict) -> None:
    for name, label in (("name", _("name")), ("holder", _("holder")),
                        ("registration_number", _("registration number"))):
        if name in fields:
            value = (fields[name] or "").strip()
            if not value:
                raise IndicationError(f"{name}_required", _("The %(field)s is required.") % {"field": label},
                                      field=name)
            setattr(indication, name, value)
    indication.search_name = fold(indication.name)
    if "kind" in fields:
        if fields["kind"] not in MarkKind.values:
            raise IndicationError("unknown_kind", _("Unknown kind %(kind)s.") % {"kind": fields["kind"]},
                                  field="kind")
        indication.kind = fields["kind"]
    if "registered_on" in fields:
        indication.registered_on = fields["registered_on"]
    if "description" in fields:
        indication.description = fields["description"] or ""
    if "registration_number" in fields and GeographicalIndication.objects.filter(
            registration_number=indication.registration_number).exclude(pk=indication.pk).exists():
        raise IndicationError("duplicate_registration", _("The registration number %(number)s is already recorded.")
                              % {"number": indication.registration_number}, field="registration_number")
    if "protected_area" in fields:
        indication.protected_area = normalize_geometry(fields["protected_area"], kind=AREAL,
                                                       field_name="protected_area").geometry


def _save(indication: GeographicalIndication, products) -> GeographicalIndication:
    if indication.area_ha is None:
        indication.area_ha = Decimal("0")
    indication.save()
    indication.area_ha = _measure_area_ha(indication)
    indication.save(update_fields=["area_ha"])
    if products is not None:
        indication.products.set(list(products))
    return indication


@transaction.atomic
def register_indication(
    *,
    name: str,
    kind: str,
    registration_number: str,
    holder: str,
    protected_area: GEOSGeometry | str | dict,
    registered_on: datetime.date | None = None,
    products: Iterable = (),
    description: str = "",
    user=None,
) -> GeographicalIndication:
    """Record a geographical indication or mark; the protected area is normalised and measured (ha, ellipsoid)."""
    indication = GeographicalIndication()
    _apply(indication, {"name": name, "kind": kind, "registration_number": registration_number, "holder": holder,
                        "protected_area": protected_area, "registered_on": registered_on,
                        "description": description})
    return _save(indication, products)


@transaction.atomic
def update_indication(*, indication: GeographicalIndication, user=None, **changes) -> GeographicalIndication:
    """Change an indication (any argument of :func:`register_indication`), re-measuring a new area."""
    unknown = set(changes) - _FIELDS
    if unknown:
        raise IndicationError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                              % {"fields": ", ".join(sorted(unknown))})
    indication = GeographicalIndication.objects.select_for_update().get(pk=indication.pk)
    _apply(indication, changes)
    return _save(indication, changes.get("products"))

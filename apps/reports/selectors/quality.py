"""Data-quality lists for officers: what is missing or inconsistent in the registry, each row linked to the record's
admin page. Every list is one query (plus one per kind of record for the missing fields).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import Area, Intersection
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.common.spatial import geography
from apps.facilities.models import PackingFacility, ProductionFacility
from apps.outlets.models import SalesPoint
from apps.producers.models import Producer
from apps.products.models import Product, ProductPhoto
from apps.ratings.selectors import OcopState, current_ocop_status, products_with_status
from apps.reports.selectors.scope import ReportScope, records_in_scope
from apps.territory.models import AdministrativeUnit
from apps.zones.models import CodeStatus, GrowingAreaCode, RawMaterialZone, ZoneKind, ZoneStatus

_HECTARE = Decimal("0.01")


@dataclass(frozen=True)
class Cell:
    text: str | int | float | Decimal
    url: str = ""


@dataclass(frozen=True)
class QualityList:
    key: str
    title: str
    description: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    linked: tuple[int, ...] = (0,)  # the columns whose cells link to a record's admin page

    @property
    def count(self) -> int:
        return len(self.rows)


def admin_url(record) -> str:
    """The admin change page of ``record``."""
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])


def _linked(record) -> Cell:
    return Cell(str(record), admin_url(record))


class _Names(Func):
    """The values of a text column joined by ", " in alphabetical order (an aggregate without GROUP BY, for
    sub-queries)."""

    template = "string_agg(%(expressions)s, ', ' ORDER BY %(expressions)s)"
    output_field = TextField()


def _string_agg(field_name: str) -> Func:
    return _Names(F(field_name))


def _zones_without_code(scope: ReportScope, on: datetime.date) -> QualityList:
    codes = GrowingAreaCode.objects.filter(zones=OuterRef("pk")).exclude(status=CodeStatus.REVOKED)
    communes = (AdministrativeUnit.objects.filter(zones=OuterRef("pk")).order_by()
                .annotate(names=_string_agg("name")).values("names"))
    zones = (records_in_scope(RawMaterialZone.objects.all(), "zone", scope)
             .filter(status=ZoneStatus.ACTIVE, kind=ZoneKind.CULTIVATION).filter(~Exists(codes))
             .annotate(commune_names=Subquery(communes)).select_related("crop").order_by("name", "pk"))
    rows = tuple((_linked(zone), Cell(zone.crop.name), Cell(zone.area_ha.quantize(_HECTARE)),
                  Cell(zone.commune_names or "")) for zone in zones)
    return QualityList("zones_without_code", _("Zones without a growing-area code"),
                       _("Active cultivation zones that no active or suspended growing-area code covers."),
                       (pgettext("report column", "Zone"),
                        pgettext("report column", "Crop"),
                        _("Area (ha)"),
                        pgettext("report column", "Communes")), rows)


def _codes_without_zones(scope: ReportScope, on: datetime.date) -> QualityList:
    codes = GrowingAreaCode.objects.exclude(status=CodeStatus.REVOKED).filter(zones__isnull=True)
    if not scope.is_province_wide:
        # A code is scoped through its zones, so a code without zones is in no commune: only the province sees it.
        codes = codes.none()
    codes = scope.readable(codes).select_related("crop").order_by("code")
    rows = tuple((_linked(code), Cell(code.crop.name), Cell(code.get_status_display()),
                  Cell(code.issue_date.isoformat())) for code in codes)
    return QualityList("codes_without_zones", _("Growing-area codes without zones"),
                       _("Active or suspended codes that cover no zone: their area is unknown."),
                       (pgettext("report column", "Code"),
                        pgettext("report column", "Crop"),
                        pgettext("report column", "Status"),
                        _("Issue date")), rows)


def _overlapping_zones(scope: ReportScope, on: datetime.date) -> QualityList:
    """Pairs of active zones overlapping by more than ``OCOP_ZONE_OVERLAP_TOLERANCE_M2`` (m² on the ellipsoid)."""
    tolerance = settings.OCOP_ZONE_OVERLAP_TOLERANCE_M2
    active = RawMaterialZone.objects.filter(status=ZoneStatus.ACTIVE)
    scoped = records_in_scope(active, "zone", scope)
    partners = active.filter(geometry__intersects=OuterRef("geometry")).exclude(pk=OuterRef("pk"))
    # Each pair once: the partner comes later, unless it is outside the scope (then it is never the outer zone).
    partners = partners.filter(Q(pk__gt=OuterRef("pk")) | ~Q(pk__in=scoped.values("pk")))
    # GeoDjango functions need the output field of each argument: an outer reference has none until wrapped.
    outer_geometry = ExpressionWrapper(OuterRef("geometry"), output_field=MultiPolygonField(srid=4326))
    overlaps = (scope.readable(partners)
                .annotate(overlap_m2=Cast(Area(geography(Intersection("geometry", outer_geometry))), FloatField()))
                .filter(overlap_m2__gt=tolerance).order_by()
                .annotate(pairs=Func(JSONObject(id="pk", name="name", area="overlap_m2"), function="jsonb_agg",
                                     output_field=JSONField()))
                .values("pairs"))
    zones = scoped.annotate(overlaps=Subquery(overlaps, output_field=JSONField())).filter(overlaps__isnull=False)
    pairs = []
    for zone in zones.only("pk", "name"):
        for partner in zone.overlaps:
            pairs.append((zone, partner))
    pairs.sort(key=lambda pair: (-pair[1]["area"], pair[0].pk, pair[1]["id"]))
    rows = tuple((_linked(zone),
                  Cell(partner["name"], reverse("admin:zones_rawmaterialzone_change", args=[partner["id"]])),
                  Cell(round(partner["area"], 1))) for zone, partner in pairs)
    return QualityList("overlapping_zones", _("Overlapping active zones"),
                       _("Pairs of active zones that overlap by more than %(tolerance)s m² (measured on the "
                         "ellipsoid).") % {"tolerance": tolerance},
                       (pgettext("report column", "Zone"),
                        _("Overlapping zone"),
                        _("Overlap (m²)")), rows, linked=(0, 1))


def _lapsed_products_on_sale(scope: ReportScope, on: datetime.date) -> QualityList:
    products = records_in_scope(Product.objects.all(), "product", scope)
    points = (SalesPoint.objects.filter(products=OuterRef("pk")).order_by()
              .annotate(names=_string_agg("name")).values("names"))
    lapsed = (products_with_status(products, on=on)
              .filter(ocop_state__in=[OcopState.EXPIRED, OcopState.REVOKED])
              .filter(Exists(SalesPoint.products.through.objects.filter(product=OuterRef("pk"))))
              .annotate(sales_point_names=Subquery(points)).select_related("producer").order_by("name", "pk"))
    states = {OcopState.EXPIRED: _("expired"), OcopState.REVOKED: _("revoked")}
    rows = []
    for product in lapsed:  # the problems only, not every product
        status = current_ocop_status(product, on=on)
        ended = status.revoked_on if status.state == OcopState.REVOKED else status.valid_until
        rows.append((_linked(product), Cell(product.producer.name), Cell(str(states[product.ocop_state])),
                     Cell(ended.isoformat() if ended else ""), Cell(product.sales_point_names)))
    return QualityList("lapsed_products_on_sale", _("Products on sale without a valid OCOP certificate"),
                       _("Products whose OCOP certificate has expired or was revoked but that sales points still "
                         "carry."),
                       (pgettext("report column", "Product"),
                        pgettext("report column", "Producer"),
                        _("OCOP status"),
                        _("Valid until / revoked on"),
                        pgettext("report column", "Sales points")), tuple(rows))


def _sales_points_without_products(scope: ReportScope, on: datetime.date) -> QualityList:
    points = (records_in_scope(SalesPoint.objects.all(), "sales_point", scope)
              .filter(~Exists(SalesPoint.products.through.objects.filter(salespoint=OuterRef("pk"))))
              .select_related("commune").order_by("name", "pk"))
    rows = tuple((_linked(point), Cell(point.get_kind_display()), Cell(point.commune.name if point.commune else ""))
                 for point in points)
    return QualityList("sales_points_without_products", _("Sales points without products"),
                       _("Sales points that carry no product."),
                       (pgettext("report column", "Sales point"),
                        _("Kind of sales point"),
                        pgettext("report column", "Commune")), rows)


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _missing_fields(scope: ReportScope, on: datetime.date) -> QualityList:
    """Records without what the map and the consumer pages need, one row per record with the missing fields."""
    checks: list[tuple[str, QuerySet, dict[str, Q]]] = [
        ("producer", Producer.objects.all(), {
            _label(Producer, "address"): Q(address=""), _label(Producer, "phone"): Q(phone=""),
            _label(Producer, "location"): Q(location__isnull=True)}),
        ("product", Product.objects.all(), {
            _("photo"): ~Q(Exists(ProductPhoto.objects.filter(product=OuterRef("pk")))),
            _("description"): Q(short_description="", story="")}),
        ("packing_facility", PackingFacility.objects.all(), {
            _label(PackingFacility, "commune"): Q(commune__isnull=True),
            _label(PackingFacility, "address"): Q(address="")}),
        ("production_facility", ProductionFacility.objects.all(), {
            _label(ProductionFacility, "commune"): Q(commune__isnull=True),
            _label(ProductionFacility, "address"): Q(address="")}),
        ("sales_point", SalesPoint.objects.all(), {
            _label(SalesPoint, "commune"): Q(commune__isnull=True, is_outside_province=False),
            _label(SalesPoint, "address"): Q(address="")}),
    ]
    rows = []
    for kind_name, queryset, missing in checks:
        flags = {f"missing_{index}": Case(When(condition, then=Value(True)), default=Value(False))
                 for index, condition in enumerate(missing.values())}
        any_missing = Q(pk__in=[])
        for condition in missing.values():
            any_missing |= condition
        records = records_in_scope(queryset, kind_name, scope).filter(any_missing).annotate(**flags).order_by("pk")
        kind_label = str(queryset.model._meta.verbose_name)
        for record in records:
            names = [label for index, label in enumerate(missing) if getattr(record, f"missing_{index}")]
            rows.append((Cell(kind_label), _linked(record), Cell(", ".join(names))))
    return QualityList("missing_fields", _("Records missing required information"),
                       _("Producers without address, phone or location; products without photo or description; "
                         "facilities and sales points without commune or address."),
                       (_("Kind of record"),
                        pgettext("report column", "Record"),
                        _("Missing")), tuple(rows), linked=(1,))


QUALITY_LISTS: dict[str, Callable[[ReportScope, datetime.date], QualityList]] = {
    "zones_without_code": _zones_without_code,
    "codes_without_zones": _codes_without_zones,
    "overlapping_zones": _overlapping_zones,
    "lapsed_products_on_sale": _lapsed_products_on_sale,
    "sales_points_without_products": _sales_points_without_products,
    "missing_fields": _missing_fields,
}


def data_quality(scope: ReportScope, *, only: str | None = None, on: datetime.date | None = None) -> list[QualityList]:
    """The data-quality lists within ``scope`` on ``on`` (today by default); only the one named ``only`` when given."""
    on = on or timezone.localdate()
    keys = [only] if only else list(QUALITY_LISTS)
    return [QUALITY_LISTS[key](scope, on) for key in keys if key in QUALITY_LISTS]

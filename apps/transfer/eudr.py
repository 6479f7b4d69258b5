"""EUDR geolocation export (Regulation (EU) 2023/1115) for coffee and cocoa lots, shipments and producers.

The plots behind a lot are its source zones. Each plot becomes one GeoJSON feature in WGS 84,
[longitude, latitude] rounded to the profile's decimals (6): a polygon when the plot is larger than the
profile's point threshold (4 ha), otherwise a point on its surface. Properties follow the EU information
system's GeoJSON guidance: ``ProducerName``, ``ProducerCountry``, ``ProductionPlace``, ``Area`` (ha).
Features are split into files under the profile's size limit (25 MB); plots that fail are listed in a
report instead of being exported half-right.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.common.errors import DomainError
from apps.traceability.models import BizStep, Lot, TraceEvent
from apps.transfer.models import EudrProfile
from apps.zones.models import RawMaterialZone


class EudrError(DomainError):
    default_code = "invalid_eudr_export"


@dataclass
class Plot:
    """A plot of land (thửa đất) as EUDR sees it."""

    reference: str
    producer_name: str
    production_place: str
    area_ha: Decimal | None
    geometry: GEOSGeometry | None
    is_eudr_commodity: bool = True


@dataclass
class PlotFailure:
    reference: str
    code: str
    message: str


@dataclass
class EudrExport:
    parts: list[bytes] = field(default_factory=list)
    failures: list[PlotFailure] = field(default_factory=list)
    feature_count: int = 0

    def failures_csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["plot", "code", "reason"])
        for failure in self.failures:
            writer.writerow([failure.reference, failure.code, failure.message])
        return buffer.getvalue().encode("utf-8")

    def as_zip(self, name: str = "eudr") -> bytes:
        """All parts (``name-001.geojson``…) and the failure report in one zip."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for number, part in enumerate(self.parts, start=1):
                archive.writestr(f"{name}-{number:03d}.geojson", part)
            archive.writestr(f"{name}-failures.csv", self.failures_csv())
        return buffer.getvalue()


def profile_on(day: datetime.date | None = None) -> EudrProfile:
    """The EUDR rules in force on ``day`` (default today)."""
    day = day or timezone.localdate()
    profile = EudrProfile.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if profile is None:
        raise EudrError("no_profile", _("No EUDR rules are recorded for %(day)s.") % {"day": day.isoformat()})
    return profile


def _place(zone: RawMaterialZone) -> str:
    commune = zone.communes.select_related("parent").first()
    if commune is None:
        return ""
    province = commune.parent
    return f"{commune.name}, {province.name}" if province is not None else commune.name


def _producer_name(zone: RawMaterialZone, fallback: str = "") -> str:
    names = [producer.name for producer in zone.producers.all()]
    return "; ".join(names) or fallback


def plot_of_zone(zone: RawMaterialZone, *, producer_fallback: str = "") -> Plot:
    return Plot(reference=f"zone-{zone.pk} {zone.name}", producer_name=_producer_name(zone, producer_fallback),
                production_place=_place(zone), area_ha=zone.area_ha, geometry=zone.geometry,
                is_eudr_commodity=zone.crop.is_eudr_commodity)


def plots_of_lot(lot: Lot) -> list[Plot]:
    """The plots behind a lot: its source zones (and those of the lots it was made from)."""
    fallback = lot.product.producer.name
    zones: dict[int, RawMaterialZone] = {}
    pending, seen = [lot], set()
    while pending:
        current = pending.pop()
        if current.pk in seen:
            continue
        seen.add(current.pk)
        for zone in current.source_zones.select_related("crop"):
            zones.setdefault(zone.pk, zone)
        pending.extend(current.source_lots.all())
    return [plot_of_zone(zone, producer_fallback=fallback) for zone in zones.values()]


def lots_of_shipment(event: TraceEvent) -> list[Lot]:
    """The lots a shipping event carried: the logbook's own lot and every lot linked to the event, once each."""
    lots: dict[int, Lot] = {event.lot_id: event.lot}
    for link in event.lot_links.select_related("lot__product__producer").order_by("lot_id"):
        lots.setdefault(link.lot_id, link.lot)
    return list(lots.values())


def plots_of_shipment(event: TraceEvent, *, lots: Iterable[Lot] | None = None) -> list[Plot]:
    """The plots behind every lot a shipping event carried (or behind ``lots``, a part of them)."""
    plots: dict[str, Plot] = {}
    for lot in lots_of_shipment(event) if lots is None else lots:
        for plot in plots_of_lot(lot):
            plots.setdefault(plot.reference, plot)
    return list(plots.values())


def plots_of_producer(producer, *, zones=None) -> list[Plot]:
    """The producer's plots: its zones (or ``zones``, a queryset of them, e.g. narrowed to a user's scope)."""
    zones = producer.zones.all() if zones is None else zones
    return [plot_of_zone(zone, producer_fallback=producer.name) for zone in zones.select_related("crop").order_by("pk")]


def shipment_is_shipping(event: TraceEvent) -> bool:
    return event.biz_step == BizStep.SHIPPING


@dataclass
class EudrSelection:
    """The plots of a lot, shipment or producer a user may declare, and what was left out (and why)."""

    title: str
    filename: str
    plots: list[Plot]
    left_out: list[PlotFailure] = field(default_factory=list)

    def export(self, *, profile: EudrProfile | None = None) -> EudrExport:
        export = build_eudr_export(self.plots, profile=profile)
        export.failures = [*self.left_out, *export.failures]
        return export


def eudr_selection(record, *, user) -> EudrSelection:
    """What ``user`` may declare of ``record`` (a lot, a shipping event or a producer); the caller checks
    ``transfer.export_eudr`` on the record itself first.

    A lot: its source zones and those of its source lots (its declared provenance). A shipment: the plots of every
    lot it carried that the user may export too; other lots are left out and listed. A producer: its zones the
    user may see (published ones, and unpublished ones in the user's scope); the others are counted as left out.
    """
    from apps.accounts.permissions import can, scope_queryset
    from apps.producers.models import Producer
    from apps.transfer.permissions import EXPORT_EUDR

    if isinstance(record, Lot):
        return EudrSelection(_("lot %(code)s") % {"code": record.code}, f"eudr-{record.code}", plots_of_lot(record))
    if isinstance(record, TraceEvent):
        allowed, left_out = [], []
        for lot in lots_of_shipment(record):
            if can(user, EXPORT_EUDR, lot):
                allowed.append(lot)
            else:
                left_out.append(PlotFailure(
                    f"lot {lot.code}", "outside_scope",
                    _("Lot %(lot)s is outside your scope: its plots are left out.") % {"lot": lot.code}))
        title = _("shipment of %(date)s (event #%(sequence)s of lot %(lot)s)") % {
            "date": record.event_time.date().isoformat(), "sequence": record.sequence, "lot": record.lot.code}
        return EudrSelection(title, f"eudr-shipment-{record.pk}", plots_of_shipment(record, lots=allowed), left_out)
    if isinstance(record, Producer):
        zones = record.zones.all()
        visible = scope_queryset(user, zones)
        hidden = zones.exclude(pk__in=visible.values("pk")).count()
        left_out = []
        if hidden:
            left_out.append(PlotFailure(
                "—", "outside_scope", ngettext("%(count)s plot is outside your scope and is left out.",
                                               "%(count)s plots are outside your scope and are left out.",
                                               hidden) % {"count": hidden}))
        return EudrSelection(_("producer %(name)s") % {"name": record.name}, f"eudr-{record.slug or record.pk}",
                             plots_of_producer(record, zones=visible), left_out)
    raise TypeError(f"no EUDR geolocation for {type(record).__name__}")


def _rounded(shape: shapely.Geometry, decimals: int) -> shapely.Geometry:
    return shapely.transform(shape, lambda coords: numpy.round(coords, decimals))


def plot_feature(plot: Plot, profile: EudrProfile) -> dict:
    """The GeoJSON feature of one plot, or ``EudrError`` naming why the plot cannot be declared."""
    if not plot.is_eudr_commodity:
        raise EudrError("not_eudr_commodity", _("The plot grows a crop that EUDR does not cover."))
    if plot.geometry is None or plot.geometry.empty:
        raise EudrError("no_geometry", _("The plot has no geometry."))
    shape = shapely.from_wkb(bytes(plot.geometry.wkb))
    if not shape.is_valid:
        raise EudrError("invalid", _("The plot's geometry is invalid (%(reason)s); correct it first.")
                        % {"reason": shapely.is_valid_reason(shape)})
    if plot.area_ha is None:
        raise EudrError("no_area", _("The plot's area is unknown."))
    decimals = profile.coordinate_decimals
    is_large = plot.area_ha > profile.point_max_area_ha
    if isinstance(shape, shapely.Point | shapely.MultiPoint):
        if is_large:
            raise EudrError("too_large_for_point", _("The plot measures %(area)s ha, more than %(max)s ha: it needs a "
                                                     "polygon, not a point.")
                            % {"area": plot.area_ha, "max": profile.point_max_area_ha})
        output = _rounded(shapely.Point(shape.geoms[0]) if isinstance(shape, shapely.MultiPoint) else shape, decimals)
    elif is_large:
        output = _rounded(shape, decimals)
        if isinstance(output, shapely.MultiPolygon) and len(output.geoms) == 1:
            output = output.geoms[0]
        if not output.is_valid or output.is_empty:
            raise EudrError("invalid_after_rounding",
                            _("The plot's polygon becomes invalid when rounded to %(decimals)s decimals.")
                            % {"decimals": decimals})
    else:
        output = _rounded(shape.point_on_surface(), decimals)
    return {
        "type": "Feature",
        "properties": {"ProducerName": plot.producer_name, "ProducerCountry": profile.country_code,
                       "ProductionPlace": plot.production_place, "Area": float(round(plot.area_ha, 4))},
        "geometry": json.loads(shapely.to_geojson(output)),
    }


def _dump(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def build_eudr_export(plots: Iterable[Plot], *, profile: EudrProfile | None = None) -> EudrExport:
    """Validate every plot and write the good ones in FeatureCollections each under the size limit."""
    profile = profile or profile_on()
    limit = profile.max_file_bytes
    export = EudrExport()
    envelope = len(_dump([]))
    current: list[dict] = []
    size = envelope
    for plot in plots:
        if not plot.producer_name:
            export.failures.append(PlotFailure(plot.reference, "no_producer", _("No producer is known for the plot.")))
            continue
        try:
            feature = plot_feature(plot, profile)
        except EudrError as error:
            export.failures.append(PlotFailure(plot.reference, error.code, error.message))
            continue
        feature_size = len(json.dumps(feature, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + 1
        if envelope + feature_size > limit:
            export.failures.append(PlotFailure(plot.reference, "too_large_for_file",
                                               _("The plot alone exceeds the file size limit.")))
            continue
        if current and size + feature_size > limit:
            export.parts.append(_dump(current))
            current, size = [], envelope
        current.append(feature)
        size += feature_size
        export.feature_count += 1
    if current:
        export.parts.append(_dump(current))
    return export

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

from apps.common.errors import DomainError
from apps.traceability.models import Lot, TraceEvent
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


def plots_of_shipment(event: TraceEvent) -> list[Plot]:
    """The plots behind every lot a shipping event carried."""
    lots = [event.lot, *(link.lot for link in event.lot_links.select_related("lot"))]
    plots: dict[str, Plot] = {}
    for lot in lots:
        for plot in plots_of_lot(lot):
            plots.setdefault(plot.reference, plot)
    return list(plots.values())


def plots_of_producer(producer) -> list[Plot]:
    return [plot_of_zone(zone, producer_fallback=producer.name)
            for zone in producer.zones.select_related("crop").order_by("pk")]


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

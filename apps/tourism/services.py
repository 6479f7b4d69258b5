"""State changes for community-tourism sites and tour routes (du lịch cộng đồng)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.contrib.gis.db.models.functions import Length
from django.contrib.gis.geos import GEOSGeometry, LineString
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.geometry import AREAL, LINEAR, POINT, GeometryError, normalize_geometry
from apps.common.hours import validate_opening_hours
from apps.common.spatial import geography
from apps.common.text import fold
from apps.tourism.models import RouteStop, SiteKind, TourismSite, TourRoute
from apps.zones.selectors import commune_at


class TourismError(DomainError):
    default_code = "invalid_tourism"


_SITE_FIELDS = {"name", "kind", "location", "area", "product", "producer", "description", "visiting_hours", "phone",
                "email", "website"}


def _name(name: str, message: str) -> str:
    name = (name or "").strip()
    if not name:
        raise TourismError("name_required", message, field="name")
    return name


def _apply_site(site: TourismSite, fields: dict) -> None:
    if "name" in fields:
        site.name = _name(fields["name"], _("The site needs a name."))
        site.search_name = fold(site.name)
    if "kind" in fields:
        if fields["kind"] not in SiteKind.values:
            raise TourismError("unknown_kind", _("Unknown kind of site %(kind)s.") % {"kind": fields["kind"]},
                               field="kind")
        site.kind = fields["kind"]
    for name in ("product", "producer"):
        if name in fields:
            setattr(site, name, fields[name])
    for name in ("description", "phone", "email", "website"):
        if name in fields:
            setattr(site, name, (fields[name] or "").strip())
    if "visiting_hours" in fields:
        site.visiting_hours = validate_opening_hours(fields["visiting_hours"], field_name="visiting_hours")
    if "location" in fields:
        site.location = normalize_geometry(fields["location"], kind=POINT, field_name="location").geometry
        match = commune_at(site.location)
        site.commune = match.commune if match else None
    if "area" in fields:
        area = fields["area"]
        if area in (None, ""):
            site.area = None
        else:
            shape = normalize_geometry(area, kind=AREAL, field_name="area").geometry
            if len(shape) != 1:
                raise GeometryError("wrong_type", _("The site's area must be one polygon, not %(count)s.")
                                    % {"count": len(shape)}, field="area")
            site.area = shape[0]
    if site.area is not None and not site.area.covers(site.location):
        raise TourismError("location_outside_area", _("The site's point lies outside its area."), field="location")


@transaction.atomic
def create_tourism_site(
    *,
    name: str,
    kind: str,
    location: GEOSGeometry | str | dict,
    area: GEOSGeometry | str | dict | None = None,
    product=None,
    producer=None,
    description: str = "",
    visiting_hours: dict | None = None,
    phone: str = "",
    email: str = "",
    website: str = "",
    user=None,
) -> TourismSite:
    """Record a tourism site: a point (always) and optionally its outline, which must contain the point."""
    site = TourismSite()
    _apply_site(site, {"name": name, "kind": kind, "location": location, "area": area, "product": product,
                       "producer": producer, "description": description, "visiting_hours": visiting_hours,
                       "phone": phone, "email": email, "website": website})
    site.save()
    return site


@transaction.atomic
def update_tourism_site(*, site: TourismSite, user=None, **changes) -> TourismSite:
    """Change a site (any argument of :func:`create_tourism_site`), recomputing its commune."""
    unknown = set(changes) - _SITE_FIELDS
    if unknown:
        raise TourismError("unknown_field", _("These fields cannot be changed: %(fields)s.")
                           % {"fields": ", ".join(sorted(unknown))})
    site = TourismSite.objects.select_for_update().get(pk=site.pk)
    _apply_site(site, changes)
    site.save()
    return site


def _measure_length_km(route: TourRoute) -> Decimal:
    """The route's length in km, measured by PostGIS on the WGS 84 ellipsoid (geography)."""
    length = TourRoute.objects.filter(pk=route.pk).annotate(measured=Length(geography("path"))).get().measured
    return Decimal(str(round(length.m / 1000, 2)))


def _path(sites: Sequence[TourismSite], path) -> LineString:
    if path in (None, ""):
        if len(sites) < 2:
            raise TourismError("too_few_sites", _("A route without a drawn path needs at least two sites."),
                               field="sites")
        path = LineString([site.location for site in sites], srid=4326)
    line = normalize_geometry(path, kind=LINEAR, field_name="path").geometry
    if line.geom_type == "MultiLineString":
        merged = line.merged
        if merged.geom_type != "LineString":
            raise GeometryError("wrong_type", _("The path must be one continuous line."), field="path")
        line = merged
    return line


def _set_stops(route: TourRoute, sites: Sequence[TourismSite]) -> None:
    route.stops.all().delete()
    RouteStop.objects.bulk_create([RouteStop(route=route, site=site, position=index)
                                   for index, site in enumerate(sites, start=1)])


@transaction.atomic
def create_tour_route(
    *,
    name: str,
    sites: Iterable[TourismSite],
    path: GEOSGeometry | str | dict | None = None,
    description: str = "",
    duration_hours: Decimal | None = None,
    user=None,
) -> TourRoute:
    """Record a tour route through ``sites`` in order; its length (km, on the ellipsoid) is computed.

    Without ``path``, the route is drawn straight from site to site in the given order.
    """
    sites = list(sites)
    route = TourRoute(name=_name(name, _("The route needs a name.")), path=_path(sites, path),
                      description=description or "", duration_hours=duration_hours, length_km=Decimal("0"))
    route.search_name = fold(route.name)
    _check_duration(duration_hours)
    route.save()
    route.length_km = _measure_length_km(route)
    route.save(update_fields=["length_km", "updated_at"])
    _set_stops(route, sites)
    return route


def _check_duration(duration_hours) -> None:
    if duration_hours is not None and Decimal(duration_hours) <= 0:
        raise TourismError("bad_duration", _("The duration must be positive."), field="duration_hours")


@transaction.atomic
def update_tour_route(
    *,
    route: TourRoute,
    name: str | None = None,
    sites: Iterable[TourismSite] | None = None,
    path: GEOSGeometry | str | dict | None = None,
    redraw_path: bool = False,
    description: str | None = None,
    duration_hours: Decimal | None = None,
    user=None,
) -> TourRoute:
    """Change a route; arguments left ``None`` stay. With ``redraw_path``, redraw it from the sites."""
    route = TourRoute.objects.select_for_update().get(pk=route.pk)
    if name is not None:
        route.name = _name(name, _("The route needs a name."))
        route.search_name = fold(route.name)
    if description is not None:
        route.description = description
    if duration_hours is not None:
        _check_duration(duration_hours)
        route.duration_hours = duration_hours
    ordered = list(sites) if sites is not None else [stop.site for stop in route.stops.select_related("site")]
    if path is not None or redraw_path:
        route.path = _path(ordered, path)
    route.save()
    route.length_km = _measure_length_km(route)
    route.save(update_fields=["length_km"])
    if sites is not None:
        _set_stops(route, ordered)
    return route

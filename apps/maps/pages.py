"""What the place pages show: facts, links and the features of their small map (read-only helpers)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Q
from django.db.models.functions import Now
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.hours import DAYS, is_open
from apps.facilities.models import PackingFacility
from apps.maps.styles import load_style
from apps.outlets.models import SalesPoint
from apps.producers.models import Producer
from apps.products.models import Product
from apps.ratings.models import OcopRating, RatingStatus
from apps.tourism.models import TourismSite
from apps.zones.models import GrowingAreaCode, RawMaterialZone, ZoneStatus

DAY_NAMES = {
    "mon": gettext_lazy("Monday"), "tue": gettext_lazy("Tuesday"), "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"), "fri": gettext_lazy("Friday"), "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}


def basemap_config() -> dict:
    """Base-map settings for the page scripts: the tile URL may be empty (vector layers still draw)."""
    leaflet = getattr(settings, "LEAFLET_CONFIG", {})
    return {
        "tileUrl": settings.BASEMAP_TILE_URL or "",
        "attribution": settings.BASEMAP_ATTRIBUTION,
        "center": list(leaflet.get("DEFAULT_CENTER", (12.71, 108.24))),
        "zoom": leaflet.get("DEFAULT_ZOOM", 8),
    }


def feature(geometry: GEOSGeometry | None, **properties) -> dict | None:
    if geometry is None:
        return None
    return {"type": "Feature", "geometry": json.loads(geometry.json), "properties": properties}


def small_map_config(features: list[dict | None], layer_id: str) -> dict:
    """Config of a place page's small map: its features and the styles they are drawn with."""
    kept = [item for item in features if item]
    layers = {item["properties"].get("_layer", layer_id) for item in kept} | {layer_id}
    return {
        **basemap_config(),
        "features": kept,
        "layer": layer_id,
        "styles": {name: load_style(name).leaflet_options() for name in sorted(layers)},
    }


def best_stars(product: Product) -> OcopRating | None:
    """The product's current recognised rating with the most stars (None when it holds none)."""
    return (
        OcopRating.objects.filter(product=product, status=RatingStatus.RECOGNISED)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=Now()))
        .order_by("-stars", "-decision_date").first()
    )


def stars_text(stars: int | None) -> str:
    return "★" * stars if stars else _("not rated")


def hours_rows(hours: dict | None) -> list[tuple[str, str]]:
    """Opening hours as (day, "07:00–21:00, …") rows, Monday first; a day without ranges is closed."""
    if not hours:
        return []
    return [
        (str(DAY_NAMES[day]), ", ".join(f"{opens}–{closes}" for opens, closes in hours.get(day, [])) or _("closed"))
        for day in DAYS
    ]


def _hours_facts(hours: dict | None) -> list[tuple[str, str]]:
    if not hours:
        return [(_("Opening hours"), _("not given"))]
    state = _("open now") if is_open(hours, timezone.now()) else _("closed now")
    return [(_("Now"), state), *hours_rows(hours)]


def _link(label: str, url: str, detail: str = "") -> dict:
    return {"label": label, "url": url, "detail": detail}


def _product_links(products) -> list[dict]:
    links = []
    for product in products:
        rating = best_stars(product)
        links.append(_link(product.name, reverse("maps:product", args=[product.slug]),
                           stars_text(rating.stars if rating else None)))
    return links


def producer_context(producer: Producer) -> dict:
    facts = [
        (_("Legal form"), producer.get_legal_form_display()),
        (_("Commune"), producer.commune.name),
        (_("Address"), producer.address),
        (_("Phone"), producer.phone),
        (_("Website"), producer.website),
        (_("Open to visits"), _("yes") if producer.is_open_to_visits else _("no")),
    ]
    facilities = list(producer.production_facilities.all())
    features = [feature(producer.location, name=producer.name, _layer="producers")]
    features += [feature(item.location, name=item.name, _layer="production-facilities") for item in facilities]
    zones = producer.zones.exclude(status=ZoneStatus.PROPOSED)
    return {
        "title": producer.name, "kind_label": _("OCOP producer"), "layer_id": "producers",
        "facts": [fact for fact in facts if fact[1]],
        "sections": [
            (_("Products"), _product_links(producer.products.order_by("name"))),
            (_("Production facilities"), [_link(item.name, "", item.address) for item in facilities]),
            (_("Raw-material zones"), [_link(zone.name, reverse("maps:zone", args=[zone.pk]),
                                             zone.get_status_display()) for zone in zones]),
        ],
        "features": features,
    }


def product_context(product: Product) -> dict:
    rating = best_stars(product)
    facts = [
        (_("OCOP stars"), stars_text(rating.stars if rating else None)),
        (_("Certificate valid until"), date_format(rating.valid_until) if rating and rating.valid_until else ""),
        (_("Classification"), product.category.name),
        (_("Description"), product.short_description),
    ]
    producer = product.producer
    sales_points = list(product.sales_points.order_by("name"))
    features = [feature(producer.location, name=producer.name, _layer="producers")]
    features += [feature(point.location, name=point.name, kind=point.kind, _layer="sales-points")
                 for point in sales_points]
    return {
        "title": product.name, "kind_label": _("OCOP product"), "layer_id": "producers",
        "facts": [fact for fact in facts if fact[1]],
        "sections": [
            (_("Producer"), [_link(producer.name, reverse("maps:producer", args=[producer.slug]))]),
            (_("Where to buy"), [_link(point.name, reverse("maps:sales-point", args=[point.pk]),
                                       point.get_kind_display()) for point in sales_points]),
        ],
        "features": features,
    }


def zone_context(zone: RawMaterialZone) -> dict:
    facts = [
        (_("Kind"), zone.get_kind_display()),
        (_("Crop or species"), zone.crop.name),
        (_("Status"), zone.get_status_display()),
        (_("Area"), _("%(area)s ha") % {"area": floatformat(zone.area_ha, 2)}),
        (_("Communes"), ", ".join(unit.name for unit in zone.communes.order_by("name"))),
    ]
    return {
        "title": zone.name, "kind_label": _("Raw-material zone"), "layer_id": "zones",
        "facts": [fact for fact in facts if fact[1]],
        "sections": [
            (_("Growing-area codes"), [
                _link(code.code, reverse("maps:growing-area-code", args=[code.pk]), code.get_status_display())
                for code in zone.growing_area_codes.order_by("code")]),
            (_("Producers"), [_link(producer.name, reverse("maps:producer", args=[producer.slug]))
                              for producer in zone.producers.order_by("name")]),
        ],
        "features": [feature(zone.geometry, name=zone.name, kind=zone.kind, status=zone.status)],
    }


def code_context(code: GrowingAreaCode) -> dict:
    zones = list(code.zones.exclude(status=ZoneStatus.PROPOSED).order_by("name"))
    facts = [
        (_("Type"), code.get_code_type_display()),
        (_("Status"), code.get_status_display()),
        (_("Crop"), code.crop.name),
        (_("Target markets"), ", ".join(code.target_markets)),
        (_("Issuing authority"), code.issuing_authority),
        (_("Issue date"), date_format(code.issue_date)),
    ]
    return {
        "title": code.code, "kind_label": _("Growing-area code"), "layer_id": "growing-area-codes",
        "facts": [fact for fact in facts if fact[1]],
        "sections": [(_("Zones covered"), [_link(zone.name, reverse("maps:zone", args=[zone.pk]),
                                                 zone.get_status_display()) for zone in zones])],
        "features": [feature(zone.geometry, code=code.code, status=code.status) for zone in zones],
    }


def packing_facility_context(facility: PackingFacility) -> dict:
    operator = facility.operator.name if facility.operator else facility.operator_name
    facts = [
        (_("Code"), facility.code),
        (_("Status"), facility.get_status_display()),
        (_("Operator"), operator),
        (_("Address"), facility.address),
        (_("Commune"), facility.commune.name if facility.commune else ""),
        (_("Target markets"), ", ".join(facility.target_markets)),
        (_("Capacity"), _("%(tonnes)s tonnes/day") % {"tonnes": floatformat(facility.capacity_tonnes_per_day, -2)}
         if facility.capacity_tonnes_per_day else ""),
        (_("Issue date"), date_format(facility.issue_date) if facility.issue_date else ""),
    ]
    sections = []
    if facility.operator:
        sections.append((_("Operator"), [_link(facility.operator.name,
                                               reverse("maps:producer", args=[facility.operator.slug]))]))
    features = [feature(facility.location, name=facility.name, code=facility.code, status=facility.status)]
    return {
        "title": facility.name, "kind_label": _("Packing facility"), "layer_id": "packing-facilities",
        "facts": [fact for fact in facts if fact[1]], "sections": sections, "features": features,
    }


def sales_point_context(point: SalesPoint) -> dict:
    facts = [
        (_("Kind"), point.get_kind_display()),
        (_("Address"), point.address),
        (_("Commune"), point.commune.name if point.commune else ""),
        (_("Phone"), point.phone),
        *_hours_facts(point.opening_hours),
    ]
    return {
        "title": point.name, "kind_label": _("Sales point"), "layer_id": "sales-points",
        "facts": [fact for fact in facts if fact[1]],
        "sections": [(_("OCOP products on sale"), _product_links(point.products.order_by("name")))],
        "features": [feature(point.location, name=point.name, kind=point.kind)],
    }


def tourism_site_context(site: TourismSite) -> dict:
    facts = [
        (_("Kind"), site.get_kind_display()),
        (_("Commune"), site.commune.name if site.commune else ""),
        (_("Description"), site.description),
        (_("Phone"), site.phone),
        (_("Website"), site.website),
        *_hours_facts(site.visiting_hours),
    ]
    sections = []
    if site.product:
        sections.append((_("OCOP tourism product"), _product_links([site.product])))
    if site.producer:
        sections.append((_("Operator"), [_link(site.producer.name, reverse("maps:producer",
                                                                             args=[site.producer.slug]))]))
    features = [feature(site.location, name=site.name, kind=site.kind)]
    return {
        "title": site.name, "kind_label": _("Tourism site"), "layer_id": "tourism-sites",
        "facts": [fact for fact in facts if fact[1]], "sections": sections, "features": features,
    }

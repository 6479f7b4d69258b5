"""Coordinate systems an import may come in: WGS 84 and VN-2000 (Hệ tọa độ quốc gia VN-2000).

Every VN-2000 system here carries the same seven-parameter shift to WGS 84 as a PROJ ``+towgs84``
(position-vector convention), the parameters published with Decision 05/2007/QĐ-BTNMT of the Ministry of
Natural Resources and Environment and used by the Vietnamese QGIS/MapInfo community:

    dX = -191.90441429 m, dY = -39.30318279 m, dZ = -111.45032835 m,
    rX = -0.00928836″, rY = 0.01975479″, rZ = -0.00427372″, dS = 0.252906278 ppm

EPSG's "VN-2000 to WGS 84 (1)" (EPSG:6960) has the same values with the rotations as coordinate-frame
rotations; PROJ's EPSG:4756 therefore lands about 0.5 m away from these. We state the parameters so that
a file gives the same WGS 84 coordinates whatever PROJ database is installed.

Provincial TM-3 zones (Circular 973/2001/TT-TCĐC): transverse Mercator, scale 0.9999, false easting
500 000 m, on the WGS 84 ellipsoid, with the province's central meridian — Đắk Lắk 108°30′.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.common.errors import DomainError

VN2000_TOWGS84 = ("-191.90441429,-39.30318279,-111.45032835,"
                  "-0.00928836,0.01975479,-0.00427372,0.252906278")
WGS84_KEY = "EPSG:4326"
DAK_LAK_TM3_KEY = "VN2000-TM3-108.5"


class CrsError(DomainError):
    default_code = "unknown_crs"


@dataclass(frozen=True)
class Crs:
    key: str
    label: str  # lazy: translated when shown
    proj: str  # what GDAL/ogr2ogr is given as the source system


def _tm3(meridian: float) -> str:
    return (f"+proj=tmerc +lat_0=0 +lon_0={meridian:g} +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
            f"+towgs84={VN2000_TOWGS84} +units=m +no_defs")


def _utm(zone: int) -> str:
    return (f"+proj=utm +zone={zone} +ellps=WGS84 +towgs84={VN2000_TOWGS84} +units=m +no_defs")


def _meridian_label(meridian: float) -> str:
    degrees = int(meridian)
    minutes = round((meridian - degrees) * 60)
    return f"{degrees}°{minutes:02d}′"


def _tm3_label(meridian: float) -> str:
    return gettext("VN-2000 / TM-3, central meridian %(meridian)s") % {"meridian": _meridian_label(meridian)}


tm3_label = lazy(_tm3_label, str)


# Central meridians of the provincial TM-3 zones (Circular 973/2001/TT-TCĐC, appendix).
TM3_MERIDIANS = (102.0, 103.0, 103.5, 104.0, 104.25, 104.5, 104.75, 105.0, 105.5, 105.75, 106.0, 106.25, 106.5,
                 107.0, 107.25, 107.5, 107.75, 108.0, 108.25, 108.5)

CATALOGUE: dict[str, Crs] = {
    WGS84_KEY: Crs(WGS84_KEY, _("WGS 84 (GPS, longitude/latitude)"), "EPSG:4326"),
    "EPSG:4756": Crs("EPSG:4756", _("VN-2000 geographic (longitude/latitude)"),
                     f"+proj=longlat +ellps=WGS84 +towgs84={VN2000_TOWGS84} +no_defs"),
    "VN2000-UTM-48": Crs("VN2000-UTM-48", _("VN-2000 / UTM zone 48N"), _utm(48)),
    "VN2000-UTM-49": Crs("VN2000-UTM-49", _("VN-2000 / UTM zone 49N"), _utm(49)),
}
for _meridian in TM3_MERIDIANS:
    _key = f"VN2000-TM3-{_meridian:g}"
    _label = _("VN-2000 / TM-3 Đắk Lắk (central meridian 108°30′)") if _key == DAK_LAK_TM3_KEY else tm3_label(_meridian)
    CATALOGUE[_key] = Crs(_key, _label, _tm3(_meridian))


def choices() -> list[tuple[str, str]]:
    """The systems an officer can pick, Đắk Lắk's first after WGS 84."""
    keys = [WGS84_KEY, DAK_LAK_TM3_KEY, "EPSG:4756"]
    keys += [key for key in CATALOGUE if key not in keys]
    return [(key, CATALOGUE[key].label) for key in keys]


def get(key: str) -> Crs:
    """The catalogue entry for ``key``; any other ``EPSG:n`` is passed to GDAL as is."""
    if key in CATALOGUE:
        return CATALOGUE[key]
    if re.fullmatch(r"EPSG:\d{4,6}", key or ""):
        return Crs(key, key, key)
    raise CrsError("unknown_crs", _("Unknown coordinate system %(crs)s.") % {"crs": key or "∅"}, field="crs")


def _params(proj4: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for token in proj4.split():
        name, _sep, value = token.lstrip("+").partition("=")
        params[name] = value
    return params


def _is_vn2000_shift(params: dict[str, str]) -> bool:
    shift = params.get("towgs84")
    if shift is None:
        return True  # VN-2000 .prj files rarely carry the shift
    return shift.split(",")[:3] == VN2000_TOWGS84.split(",")[:3]


def identify(proj4: str, name: str = "") -> str | None:
    """Return the catalogue key for a system read from a file (``None``: none of ours, use it as GDAL reads it).

    A transverse Mercator on the WGS 84 ellipsoid with scale 0.9999 and false easting 500 000 m is a
    VN-2000 TM-3 zone (WGS 84 itself has no TM-3 zones); its shift is set to VN-2000's even when the
    .prj forgot it. Geographic coordinates on the WGS 84 datum are WGS 84; on a datum named VN-2000
    they are VN-2000 geographic.
    """
    params = _params(proj4 or "")
    projection = params.get("proj")
    upper_name = (name or "").upper().replace("_", "-")
    is_vn2000_named = "VN-2000" in upper_name or "VIETNAM-2000" in upper_name or "VN2000" in upper_name
    on_wgs84_ellipsoid = params.get("ellps") == "WGS84" or params.get("datum") == "WGS84"
    if projection == "longlat":
        if is_vn2000_named or (params.get("towgs84") and _is_vn2000_shift(params)):
            return "EPSG:4756"
        if params.get("datum") == "WGS84" or (on_wgs84_ellipsoid and not params.get("towgs84")):
            return WGS84_KEY
        return None
    is_tm3 = float(params.get("k", params.get("k_0", "1"))) == 0.9999 and float(params.get("x_0", "0")) == 500000
    is_vn2000_grid = on_wgs84_ellipsoid and params.get("datum") != "WGS84" and _is_vn2000_shift(params)
    if projection == "tmerc" and is_tm3 and is_vn2000_grid:
        meridian = float(params.get("lon_0", "0"))
        key = f"VN2000-TM3-{meridian:g}"
        if key not in CATALOGUE:
            CATALOGUE[key] = Crs(key, tm3_label(meridian), _tm3(meridian))
        return key
    if projection == "utm" and is_vn2000_named and params.get("zone") in ("48", "49"):
        return f"VN2000-UTM-{params['zone']}"
    return None

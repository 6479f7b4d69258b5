"""The stamp resolver (GS1 Digital Link and short URLs), the public product page, and counterfeit reports.

Thin views: parse and check the URL, call a selector or service, render. The lot part of the page is cached per
lot and language until the lot's ``page_version`` (read with the scan) changes — :mod:`apps.stamps.freshness` — or
``STAMPS_PAGE_CACHE_SECONDS`` pass; the stamp banner once per language and state, then filled in.
A product-page GET (the common scan) costs one database round trip (:func:`services.record_page_scan`). Once a
process has rendered what a scan needs, later scans are answered in front of Django by
:mod:`apps.stamps.fastpath` from the same cache entries; what it cannot answer reaches these views through
:mod:`apps.common.middleware` (past sessions, users and messages), with a ``Handover`` when it already recorded
the scan.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.common.fastpath import FRAME
from apps.products.gtin import GtinError, validate_gtin
from apps.stamps import links as stamp_links
from apps.stamps import localcache, ratelimit, selectors, services
from apps.stamps.errors import StampError
from apps.stamps.models import ScanKind, ScanOutcome, StampStatus
from apps.stamps.rendering import stamp_url
from apps.stamps.serials import SerialError, normalize
from apps.traceability.models import LOT_CODE_PATTERN, LotStatus

_LOT_CODE = re.compile(LOT_CODE_PATTERN)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Content-Type, Retry-After",
    "Access-Control-Max-Age": "86400",
}


def _with_cors(response: HttpResponse) -> HttpResponse:
    for header, value in CORS_HEADERS.items():
        response[header] = value
    response["Vary"] = "Accept, Accept-Language, Cookie"
    return response


def _bad_request(request: HttpRequest, error: Exception) -> HttpResponse:
    ratelimit.count_unknown(request)
    message = getattr(error, "message", str(error))
    code = getattr(error, "code", "bad_request")
    if _wants_json(request):
        return JsonResponse({"code": code, "message": message}, status=400)
    return render(request, "stamps/bad_request.html", {"message": message, "code": code}, status=400)


def _wants_linkset(request: HttpRequest) -> bool:
    return (request.GET.get("linkType") in ("all", "linkset")
            or stamp_links.LINKSET_TYPE in request.headers.get("Accept", ""))


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def _unknown(request: HttpRequest, serial: str, outcome: str, *, is_logged: bool = False) -> HttpResponse:
    ratelimit.count_unknown(request)
    if request.method == "GET" and not is_logged:
        services.record_scan(stamp=None, serial=serial, outcome=outcome, kind=ScanKind.PAGE,
                             user_agent=request.headers.get("User-Agent", ""))
    if request.method == "HEAD" or _wants_json(request) or _wants_linkset(request):
        return JsonResponse({"code": "unknown_serial",
                             "message": _("This code is not in the system: the product may be counterfeit.")},
                            status=404)
    return render(request, "stamps/unknown.html", {"serial": serial}, status=404)


@csrf_exempt  # OPTIONS/HEAD/GET only: nothing to protect, and CORS preflights carry no token
@never_cache
@require_http_methods(["GET", "HEAD", "OPTIONS"])
def resolve_digital_link(request: HttpRequest, gtin: str, lot_code: str, serial: str) -> HttpResponse:
    """GS1 Digital Link ``/01/{gtin}/10/{lot}/21/{serial}``: 400 on bad syntax, 404 for an unknown stamp."""
    return _with_cors(_resolve(request, serial, gtin=gtin, lot_code=lot_code))


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "OPTIONS"])
def resolve_short(request: HttpRequest, serial: str) -> HttpResponse:
    """Short stamp URL ``/s/{serial}`` (products without a GTIN; it works for every stamp)."""
    return _with_cors(_resolve(request, serial))


URL_ERRORS = (SerialError, GtinError, StampError)


@functools.lru_cache(maxsize=1024)
def _gtin14(gtin: str) -> str:
    """The GTIN-14 of a valid GTIN (a product has one: the few in use are kept; errors are raised, not kept)."""
    return validate_gtin(gtin).zfill(14)


def parse_stamp_url(raw_serial: str, gtin: str | None, lot_code: str | None) -> tuple[str, str | None]:
    """The canonical serial and GTIN-14 of a stamp URL's parts; raises one of :data:`URL_ERRORS` on bad syntax."""
    serial = normalize(raw_serial)
    if gtin is not None:
        gtin = _gtin14(gtin)
    if lot_code is not None and not _LOT_CODE.match(lot_code):
        raise StampError("malformed_lot", _("Lot: %(lot)s is not a valid lot code.") % {"lot": lot_code}, field="lot")
    return serial, gtin


def _resolve(request: HttpRequest, raw_serial: str, *, gtin: str | None = None,
             lot_code: str | None = None) -> HttpResponse:
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Allow"] = "GET, HEAD, OPTIONS"
        return response
    handover = request.META.get(HANDOVER)  # what the WSGI fast path already did (apps.stamps.fastpath)
    retry_after = ratelimit.check_resolve(request) if handover is None else handover.retry_after
    if retry_after is not None:
        response = HttpResponse(_("Too many requests: please wait a minute and scan again."), status=429,
                                content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(retry_after)
        return response
    try:
        serial, gtin = parse_stamp_url(raw_serial, gtin, lot_code)
    except URL_ERRORS as error:
        return _bad_request(request, error)
    link_type = request.GET.get("linkType", "")
    user_agent = request.headers.get("User-Agent", "")
    if request.method == "GET" and not link_type and not _wants_linkset(request):
        # The common case, a consumer opening the product page: lookup, checks and scan log in one round trip.
        if handover is not None and handover.page_scan is not None:
            recorded = handover.page_scan  # recorded by the fast path, which had nothing cached to answer with
        else:
            recorded = services.record_page_scan(serial=serial, gtin14=gtin, lot_code=lot_code,
                                                 user_agent=user_agent)
        if recorded.stamp is None:
            return _unknown(request, serial, recorded.outcome, is_logged=True)
        stamp = recorded.stamp
        stamp.lot = selectors.lot_with_product(stamp.lot_id, recorded.page_version)
        return _product_page(request, stamp, recorded.scan, recorded.page_version)
    stamp = selectors.stamp_by_serial(serial)
    if stamp is None:
        return _unknown(request, serial, ScanOutcome.UNKNOWN)
    product = stamp.lot.product
    if gtin is not None and (lot_code != stamp.lot.code or not product.gtin
                             or validate_gtin(product.gtin).zfill(14) != gtin):
        # A real serial in someone else's URL: treat as unknown (a copied serial on another product).
        return _unknown(request, serial, ScanOutcome.MISMATCH)
    links = stamp_links.stamp_links(stamp)
    if _wants_linkset(request):
        if request.method == "GET":
            services.record_scan(stamp=stamp, serial=serial, kind=ScanKind.LINKSET,
                                 user_agent=request.headers.get("User-Agent", ""))
        response = JsonResponse(stamp_links.linkset(stamp, links), content_type=stamp_links.LINKSET_TYPE,
                                json_dumps_params={"ensure_ascii": False})
        response["Link"] = stamp_links.link_header(stamp, links)
        return response
    if link_type:
        wanted = link_type.replace("gs1:", stamp_links.GS1)
        target = next((link for link in links if link.rel == wanted and link.rel != stamp_links.PIP), None)
        if target is not None:
            response = redirect(target.href)
            response.status_code = 307
            response["Link"] = stamp_links.link_header(stamp, links)
            return response
    if request.method == "HEAD":
        response = HttpResponse(content_type="text/html; charset=utf-8")
        response["Link"] = stamp_links.link_header(stamp, links)
        return response
    # A link type the stamp has no link for: the product page, counted like any other check.
    return _product_page(request, stamp, services.record_scan(stamp=stamp, serial=serial, user_agent=user_agent))


def _product_page(request: HttpRequest, stamp, scan: services.ScanResult, version: int | None = None) -> HttpResponse:
    """The lot's cached product page with this stamp's banner, serial and URL (``version``: the lot's
    ``page_version`` read with the scan, when known).

    Nothing on it is per visitor: the report form needs no CSRF token (:func:`report_counterfeit`) and the language
    links are plain links, so a scan sets no cookie and costs no token generation.
    """
    language, lot_id = translation.get_language(), stamp.lot_id
    pieces = localcache.get_or_set(page_cache_key(lot_id, language, selectors.province_today()),
                                   lambda: page_pieces(lot_id, language), settings.STAMPS_PAGE_CACHE_SECONDS,
                                   version=version, refresh_behind=True)
    key = banner_cache_key(language, stamp.status, stamp.status_reason, scan, stamp.lot.status == LotStatus.RECALLED)
    banner = localcache.get_or_set(key, lambda: _render_banner(stamp, scan), BANNER_CACHE_SECONDS)
    body = fill_page(pieces, banner=fill_banner(banner, scan, stamp.status_reason), serial=stamp.serial,
                     url=stamp_url(stamp), path=request.get_full_path())
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Link"] = stamp_links.stamp_link_header(stamp, version)
    request.META[FRAME] = PAGE_FRAME  # the WSGI fast path may answer later scans with this response's headers
    return response


# What the WSGI fast path (apps.stamps.fastpath) already did for a request it hands over (a ``Handover``), and the
# frame name under which it keeps a product page's headers (apps.common.fastpath).
HANDOVER = "ocop.stamps.handover"
PAGE_FRAME = "stamps.page"

# The product page is rendered once per lot, language and day with these markers where the stamp's own data go,
# cached, and filled in on every resolve: a resolve costs one round trip to the database (lookup and scan log)
# and a few string joins, whatever the size of the lot's logbook.
_HOLE_BANNER, _HOLE_SERIAL, _HOLE_URL = "@@STAMP-BANNER@@", "@@STAMP-SERIAL@@", "@@STAMP-URL@@"
_HOLE_PATH = "__STAMP-PATH__"  # only characters a URL-encoding filter leaves alone: the language links encode it
_HOLES = re.compile("(" + "|".join(re.escape(hole) for hole in (_HOLE_BANNER, _HOLE_SERIAL, _HOLE_URL, _HOLE_PATH))
                    + ")")


class _RequestHole:
    """Stands for the request in the cached page: only ``get_full_path`` is used (the language switcher)."""

    get_full_path = _HOLE_PATH


def page_cache_key(lot_id: int, language: str, day) -> tuple:
    """Key of a lot's product page cut at the stamp markers (text, marker, text, …), per language and day."""
    return ("page", lot_id, language, day)


def fill_page(pieces: tuple[str, ...], *, banner: str, serial: str, url: str, path: str) -> str:
    """The cached page pieces with the stamp's banner, serial, URL and the request's full path filled in."""
    holes = {_HOLE_BANNER: banner, _HOLE_SERIAL: serial, _HOLE_URL: url, _HOLE_PATH: quote(path, safe="/")}
    filled = list(pieces)
    filled[1::2] = [holes[hole] for hole in pieces[1::2]]
    return "".join(filled)


def page_pieces(lot_id: int, language: str) -> tuple[str, ...]:
    """A lot's product page in ``language``, cut at the stamp markers (text, marker, text, …).

    It is the same whoever asks (nothing on it comes from the visitor's request), so the cache may render it behind
    a request, in a background thread.
    """
    with translation.override(language):
        return tuple(_HOLES.split(_render_page(lot_id)))


def _render_page(lot_id: int) -> str:
    request = HttpRequest()  # a neutral request for the context processors: nothing on the page is the visitor's
    page = selectors.lot_page(lot_id)
    body = render_to_string("stamps/_lot.html", {"page": page, "BASEMAP_TILE_URL": settings.BASEMAP_TILE_URL,
                                                 "BASEMAP_ATTRIBUTION": settings.BASEMAP_ATTRIBUTION},
                            request=request)
    return render_to_string("stamps/product_page.html", {
        "page": {"body": mark_safe(body), "title": page.product.name,  # noqa: S308 — our own template's output
                 "description": page.product.short_description or page.product.name, "image": page.photo_url},
        "banner": _HOLE_BANNER, "stamp_serial": _HOLE_SERIAL, "stamp_url": _HOLE_URL,
        "where_to_buy_url": reverse("stamps-where-to-buy", kwargs={"serial": _HOLE_SERIAL}),
        "request": _RequestHole(),
    }, request=request)


# The banner depends on a handful of states; it is rendered once per language and state (the count included, as it
# picks the plural form) and kept, with markers for the two free texts.
_BANNER_FIRST_CHECKED, _BANNER_REASON = "@@BANNER-FIRST-CHECKED@@", "@@BANNER-REASON@@"
BANNER_CACHE_SECONDS = 3600


def banner_cache_key(language: str, status: str, status_reason: str, scan: services.ScanResult,
                     is_recalled: bool) -> tuple:
    """Key of the consumer banner for a stamp's state: status, reason given or not, first / later check and the
    count (it picks the plural form), flag, lot recalled."""
    return ("banner", language, status, bool(status_reason), scan.is_first_scan, scan.scan_count, scan.is_flagged,
            is_recalled)


def _render_banner(stamp, scan: services.ScanResult) -> str:
    """The consumer banner: first check, later checks (first date, count), void, revoked, flagged, recalled."""
    return render_to_string("stamps/_banner.html", {
        "stamp": stamp, "scan": scan, "is_recalled": stamp.lot.status == LotStatus.RECALLED,
        "StampStatus": StampStatus, "first_checked": _BANNER_FIRST_CHECKED,
        "status_reason": _BANNER_REASON if stamp.status_reason else "",
    })


def fill_banner(html: str, scan: services.ScanResult, status_reason: str) -> str:
    """A cached banner with the first check's local date and time and the escaped status reason filled in."""
    first = scan.first_scanned_at
    if first is not None:  # as date:"d/m/Y H:i", in the platform's time zone (the banner is shared by visitors)
        first_checked = f"{timezone.localtime(first, timezone.get_default_timezone()):%d/%m/%Y %H:%M}"
    else:
        first_checked = ""
    return html.replace(_BANNER_FIRST_CHECKED, first_checked).replace(_BANNER_REASON, escape(status_reason))


@never_cache
@require_GET
def where_to_buy(request: HttpRequest, serial: str) -> HttpResponse:
    """Sales points carrying the stamp's product, nearest first when ``lat``/``lon`` are shared.

    The shared position is logged, rounded to about a kilometre, as a "location shared" scan: it feeds the
    travel-speed clone heuristic.
    """
    if ratelimit.check_resolve(request) is not None:
        return HttpResponse(status=429)
    try:
        serial = normalize(serial)
    except SerialError as error:
        return _bad_request(request, error)
    stamp = selectors.stamp_by_serial(serial)
    if stamp is None:
        ratelimit.count_unknown(request)
        return HttpResponse(status=404)
    near = services.coarse_point(request.GET.get("lat"), request.GET.get("lon"))
    if near is not None:
        services.record_scan(stamp=stamp, serial=serial, kind=ScanKind.LOCATED, location=near,
                             user_agent=request.headers.get("User-Agent", ""))
    points = selectors.sales_points_for(stamp.lot.product, near=near)
    return render(request, "stamps/_where_to_buy.html", {"sales_points": points, "is_sorted_by_distance": bool(near)})


@csrf_exempt
@require_POST
def report_counterfeit(request: HttpRequest) -> HttpResponse:
    """The consumer's counterfeit report form (on the unknown-code page and every product page).

    Exempt from CSRF checks: the form is anonymous and acts for nobody — a report forged by another site is no
    different from one the same person posts directly — and it is rate-limited per client like the resolver. So
    the product page carries no per-visitor token and stays cacheable as a whole.
    """
    if ratelimit.check_resolve(request) is not None:
        return HttpResponse(status=429)
    try:
        services.report_counterfeit(
            serial=request.POST.get("serial", ""), message=request.POST.get("message", ""),
            place=request.POST.get("place", ""), contact=request.POST.get("contact", ""),
            location=services.coarse_point(request.POST.get("lat"), request.POST.get("lon")),
        )
    except StampError as error:
        ratelimit.count_unknown(request)
        return render(request, "stamps/report_done.html", {"error": error.message}, status=400)
    return render(request, "stamps/report_done.html", {})



__all__ = ["report_counterfeit", "resolve_digital_link", "resolve_short", "where_to_buy"]

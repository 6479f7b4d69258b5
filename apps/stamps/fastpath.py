"""The consumer's scan answered in front of Django (a handler of :mod:`apps.common.fastpath`).

A scan (``GET /01/{gtin}/10/{lot}/21/{serial}`` or ``GET /s/{serial}``) needs one database round trip — find the
stamp, count the check, append the scan-log row — and a page the view has already rendered and cached per lot
(:mod:`apps.stamps.views`). :class:`ScanHandler` checks the URL with the view's rules
(:func:`views.parse_stamp_url`), counts the client's rate limit (:mod:`apps.stamps.ratelimit`), records the scan with
the view's service (:func:`services.record_page_scan_row`) and fills the page, the banner and the ``Link`` header
from the very cache entries the view fills (same keys), sent with the headers Django gave the last product page in
the same language and scheme.

It passes to Django untouched: an ``Accept`` asking for a link set or JSON, a malformed URL (the view answers 400
and counts the bad guess), and anything :meth:`FastPath.context` refuses. A request it has started but cannot
finish — over the rate limit, an unknown or mismatched serial, nothing cached yet for this lot, language, banner
state or day, or only entries cached before the lot's last change (another ``page_version``) — goes to Django with
a :class:`Handover` in ``environ[views.HANDOVER]`` saying what was already done, so the view answers exactly as it
would have and nothing is counted or logged twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.encoding import escape_uri_path
from django.utils.http import http_date

from apps.common.fastpath import FastPath, StartResponse
from apps.stamps import links, localcache, ratelimit, selectors, services, views
from apps.stamps.rendering import lot_stamp_url
from apps.traceability.models import LotStatus

logger = logging.getLogger(__name__)

_DIGITAL_LINK = re.compile(r"/01/([^/]+)/10/(.+)/21/([^/]+)")  # the resolver's URL patterns (apps/stamps/urls.py)
_SHORT = re.compile(r"/s/([^/]+)")


@dataclass(frozen=True)
class Handover:
    """What the fast path already did for a request it passes on to the view: the client's rate limit was counted
    (``retry_after`` is the wait when it is exceeded) and, unless ``retry_after`` is set, the scan was recorded."""

    retry_after: int | None = None
    page_scan: services.PageScan | None = None


class ScanHandler:
    """Product-page scans (module docstring)."""

    prefixes = ("/01/", "/s/")

    def __init__(self, front: FastPath) -> None:
        self.front = front

    def serve(self, environ: dict, start_response: StartResponse, path: str) -> Iterable[bytes]:
        front = self.front
        match = _DIGITAL_LINK.fullmatch(path) or _SHORT.fullmatch(path)
        accept = environ.get("HTTP_ACCEPT", "")
        if match is None or not path.isascii() or links.LINKSET_TYPE in accept or "json" in accept:
            return front.to_django(environ, start_response)  # a link set or JSON answers: the view's business
        context = front.context(environ)
        if context is None:
            return front.to_django(environ, start_response)
        frame = front.frame(views.PAGE_FRAME, 200, context)
        if frame is None:
            return front.to_django(environ, start_response, context)
        gtin, lot_code, raw_serial = match.groups() if match.re is _DIGITAL_LINK else (None, None, match.group(1))
        try:
            serial, gtin = views.parse_stamp_url(raw_serial, gtin, lot_code)
        except views.URL_ERRORS:
            return front.to_django(environ, start_response)
        retry_after = ratelimit.check_resolve_address(environ.get("REMOTE_ADDR", ""))
        if retry_after is not None:
            return front.to_django(environ, start_response, note=(views.HANDOVER, Handover(retry_after=retry_after)))
        front.before_query()
        try:
            row = services.record_page_scan_row(serial=serial, user_agent=environ.get("HTTP_USER_AGENT", ""),
                                                gtin14=gtin, lot_code=lot_code)
        except Exception:
            logger.exception("stamp fast path: recording the scan failed; handing the request to Django")
            return front.to_django(environ, start_response)
        try:
            answer = self._page(row, serial, context[0], path)
        except Exception:
            logger.exception("stamp fast path: filling the page failed; handing the request to Django")
            answer = None
        if answer is None:
            handover = Handover(page_scan=services.page_scan_from_row(serial, row))
            return front.to_django(environ, start_response, context, note=(views.HANDOVER, handover))
        body, link = answer
        return front.respond(start_response, "200 OK", frame, [
            ("Content-Length", str(len(body))), ("Link", link), ("Expires", http_date())], body)

    @staticmethod
    def _page(row: services.PageScanRow, serial: str, language: str, path: str) -> tuple[bytes, str] | None:
        """The product page and ``Link`` header from the view's cache entries, or None if any is missing."""
        if row.stamp_id is None:
            return None
        version = row.page_version
        lot = localcache.peek(selectors.lot_cache_key(row.lot_id), version)
        if lot is None:
            return None
        today = selectors.province_today()
        scan = services.scan_result_from_row(row)
        pieces = localcache.peek(views.page_cache_key(row.lot_id, language, today), version)
        banner = localcache.peek(views.banner_cache_key(language, row.status, row.status_reason, scan,
                                                        lot.status == LotStatus.RECALLED))
        link_template = localcache.peek(links.link_header_cache_key(row.lot_id, language, today), version)
        if pieces is None or banner is None or link_template is None:
            return None
        url = lot_stamp_url(lot, serial)
        body = views.fill_page(pieces, banner=views.fill_banner(banner, scan, row.status_reason), serial=serial,
                               url=url, path=escape_uri_path(path))
        return body.encode(), links.fill_link_header(link_template, url)

"""The stamp scan answered in front of Django: a WSGI fast path for the consumer's product page.

A scan (``GET /01/{gtin}/10/{lot}/21/{serial}`` or ``GET /s/{serial}``) is the platform's hottest request, and all
it needs is one database round trip (find the stamp, count the check, append the scan-log row) and a page the full
Django path has already rendered and cached per lot (:mod:`apps.stamps.views`). Django's request handling —
request object, signals, middleware, response object — costs more than that round trip, so
:class:`ScanFastPath` wraps the WSGI application and answers the common scan itself:

- it parses and checks the URL with the view's own rules (:func:`views.parse_stamp_url`), counts the client's
  rate limit (:mod:`apps.stamps.ratelimit`) and records the scan with the same service
  (:func:`services.record_page_scan_row`);
- it fills the page, the banner and the ``Link`` header from the very cache entries the view fills
  (:mod:`apps.stamps.localcache`, same keys), and sends them with the headers Django's middleware gave the last
  product page for the same language and scheme (the "frame": security, framing, language, caching, CORS and
  ``Vary`` headers), adding only the per-response ones (length, ``Link``, ``Expires``).

It serves nothing it has not seen Django serve first. Any other request — another method, a query string, an
``Accept`` asking for JSON or a link set, a bad host, a plain-HTTP request when HTTPS is enforced, a script prefix,
a malformed URL — goes to Django untouched. A request it has started (rate limit counted or scan recorded) but
cannot finish — over the limit, an unknown or mismatched serial, nothing cached yet for this lot, language, banner
state or day — goes to Django with a :class:`Handover` in ``environ[views.HANDOVER]`` saying what was already
done, so nothing is counted or logged twice; the view answers exactly as it would have. ``STAMPS_FAST_PATH=0``
switches it off. The tests compare its answers with the full stack's, header by header and byte by byte.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http.cookie import parse_cookie
from django.utils import timezone, translation
from django.utils.encoding import escape_uri_path
from django.utils.http import http_date

from apps.stamps import links, localcache, ratelimit, selectors, services, views
from apps.stamps.rendering import url_prefix
from apps.traceability.models import LotStatus

logger = logging.getLogger(__name__)

_DIGITAL_LINK = re.compile(r"/01/([^/]+)/10/(.+)/21/([^/]+)")  # the resolver's URL patterns (apps/stamps/urls.py)
_SHORT = re.compile(r"/s/([^/]+)")
_PER_RESPONSE_HEADERS = frozenset({"content-length", "link", "expires", "date", "server"})
_MAX_REMEMBERED = 512  # distinct hosts and language preferences remembered per process

StartResponse = Callable[..., object]


@dataclass(frozen=True)
class Handover:
    """What the fast path already did for a request it passes on to Django: the client's rate limit was counted
    (``retry_after`` is the wait when it is exceeded) and, unless ``retry_after`` is set, the scan was recorded."""

    retry_after: int | None = None
    page_scan: services.PageScan | None = None


class _LanguageProbe:
    """The two parts of a request :func:`translation.get_language_from_request` reads."""

    def __init__(self, cookie: str | None, accept_language: str) -> None:
        self.COOKIES = {settings.LANGUAGE_COOKIE_NAME: cookie} if cookie is not None else {}
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept_language}


def _remember(memory: dict, key, value):
    if len(memory) >= _MAX_REMEMBERED:
        memory.clear()
    memory[key] = value
    return value


class ScanFastPath:
    """WSGI middleware answering stamp product-page scans ahead of Django (module docstring)."""

    def __init__(self, application: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.application = application
        self.frames: dict[tuple[str, bool], list[tuple[str, str]]] = {}
        self._hosts: dict[tuple, bool] = {}
        self._languages: dict[tuple, str] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (not path.startswith(("/01/", "/s/")) or environ.get("REQUEST_METHOD") != "GET"
                or environ.get("QUERY_STRING") or not settings.STAMPS_FAST_PATH):
            return self.application(environ, start_response)
        match = _DIGITAL_LINK.fullmatch(path) or _SHORT.fullmatch(path)
        accept = environ.get("HTTP_ACCEPT", "")
        if links.LINKSET_TYPE in accept or "json" in accept:  # a link set, or JSON answers: the view's business
            return self.application(environ, start_response)
        frame_key = self._frame_key(environ) if match is not None and path.isascii() else None
        if frame_key is None:
            return self.application(environ, start_response)
        frame = self.frames.get(frame_key)
        if frame is None:
            return self.application(environ, self._learning(environ, start_response, frame_key))
        gtin, lot_code, raw_serial = match.groups() if match.re is _DIGITAL_LINK else (None, None, match.group(1))
        try:
            serial, gtin = views.parse_stamp_url(raw_serial, gtin, lot_code)
        except views.URL_ERRORS:
            return self.application(environ, start_response)  # the view answers 400 and counts the bad guess
        retry_after = ratelimit.check_resolve_address(environ.get("REMOTE_ADDR", ""))
        if retry_after is not None:
            return self._hand_over(environ, start_response, Handover(retry_after=retry_after))
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()  # what Django does when a request starts
        try:
            row = services.record_page_scan_row(serial=serial, user_agent=environ.get("HTTP_USER_AGENT", ""),
                                                gtin14=gtin, lot_code=lot_code)
        except Exception:
            logger.exception("stamp fast path: recording the scan failed; handing the request to Django")
            return self.application(environ, start_response)
        try:
            answer = self._page(row, serial, frame_key[0], path)
        except Exception:
            logger.exception("stamp fast path: filling the page failed; handing the request to Django")
            answer = None
        if answer is None:
            handover = Handover(page_scan=services.page_scan_from_row(serial, row))
            return self._hand_over(environ, start_response, handover)
        body, link = answer
        start_response("200 OK", [*frame, ("Content-Length", str(len(body))), ("Link", link),
                                  ("Expires", http_date())])
        return [body]

    def _frame_key(self, environ: dict) -> tuple[str, bool] | None:
        """(language, is HTTPS) as Django's middleware would see them, or None when Django must answer."""
        if environ.get("SCRIPT_NAME") or settings.FORCE_SCRIPT_NAME is not None:
            return None
        is_secure = self._is_secure(environ)
        if settings.SECURE_SSL_REDIRECT and not is_secure:
            return None
        host = (environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST"), environ.get("SERVER_NAME"),
                environ.get("SERVER_PORT"))
        is_allowed = self._hosts.get(host)
        if is_allowed is None:
            try:
                WSGIRequest(environ).get_host()
                is_allowed = _remember(self._hosts, host, True)
            except DisallowedHost:
                is_allowed = _remember(self._hosts, host, False)
        if not is_allowed:
            return None
        return self._language(environ), is_secure

    @staticmethod
    def _is_secure(environ: dict) -> bool:
        """``HttpRequest.is_secure()`` on the environ: the trusted proxy header when configured, else the scheme."""
        if settings.SECURE_PROXY_SSL_HEADER:
            header, secure_value = settings.SECURE_PROXY_SSL_HEADER
            value = environ.get(header)
            if value is not None:
                return value.split(",", 1)[0].strip() == secure_value
        return environ.get("wsgi.url_scheme") == "https"

    def _language(self, environ: dict) -> str:
        """The language LocaleMiddleware picks: the language cookie, else Accept-Language, else the default."""
        cookies = environ.get("HTTP_COOKIE", "")
        name = settings.LANGUAGE_COOKIE_NAME
        cookie = parse_cookie(cookies).get(name) if name in cookies else None
        key = (cookie, environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        language = self._languages.get(key)
        if language is None:
            language = _remember(self._languages, key, translation.get_language_from_request(_LanguageProbe(*key)))
        return language

    def _page(self, row: tuple, serial: str, language: str, path: str) -> tuple[bytes, str] | None:
        """The product page and ``Link`` header from the view's cache entries, or None if any is missing."""
        outcome, stamp_id, lot_id, status, status_reason = row[:5]
        if stamp_id is None:
            return None
        lot = localcache.peek(selectors.lot_cache_key(lot_id))
        if lot is None:
            return None
        today = timezone.localdate()
        scan = services.scan_result_from_row(row)
        pieces = localcache.peek(views.page_cache_key(lot_id, language, today))
        banner = localcache.peek(views.banner_cache_key(language, status, status_reason, scan,
                                                        lot.status == LotStatus.RECALLED))
        link_template = localcache.peek(links.link_header_cache_key(lot_id, language, today))
        if pieces is None or banner is None or link_template is None:
            return None
        url = url_prefix(gtin=lot.product.gtin, lot_code=lot.code) + serial
        body = views.fill_page(pieces, banner=views.fill_banner(banner, scan, status_reason), serial=serial, url=url,
                               path=escape_uri_path(path))
        return body.encode(), links.fill_link_header(link_template, url)

    def _hand_over(self, environ: dict, start_response: StartResponse, handover: Handover) -> Iterable[bytes]:
        environ[views.HANDOVER] = handover
        return self.application(environ, start_response)

    def _learning(self, environ: dict, start_response: StartResponse, frame_key: tuple[str, bool]) -> StartResponse:
        """``start_response`` that keeps Django's headers of a product page as the frame for ``frame_key``."""

        def learn(status: str, headers: list[tuple[str, str]], exc_info=None):
            names = {name.lower() for name, _value in headers}
            if environ.get(views.PRODUCT_PAGE) and status.startswith("200 ") and "set-cookie" not in names:
                self.frames[frame_key] = [(name, value) for name, value in headers
                                          if name.lower() not in _PER_RESPONSE_HEADERS]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return learn

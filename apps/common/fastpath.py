"""Hot anonymous GETs answered in front of Django: a small WSGI layer with one handler per kind of request.

A stamp scan or a vector tile needs one database round trip and a few string joins, yet Django's request handling
(request object, signals, middleware chain, response object) costs as much again. :class:`FastPath` wraps the WSGI
application; for a GET without a query string whose path starts with a handler's prefix, the handler
(``settings.FAST_PATH_HANDLERS``: :class:`apps.stamps.fastpath.ScanHandler`,
:class:`apps.layers.fastpath.TileHandler`) answers it with the same selectors, services and cache entries as the
Django view, or passes it on to Django. Everything else goes to Django untouched.

What the handlers share is here:

- :meth:`FastPath.context` — the request's language and whether it is HTTPS, as Django's middleware would see them
  (language cookie, ``Accept-Language``, the trusted proxy header), or None when Django must answer: a host not in
  ``ALLOWED_HOSTS``, plain HTTP while ``SECURE_SSL_REDIRECT`` is on, a script prefix.
- Frames: the headers Django's middleware put on a response (security, framing, language, caching, CORS, ``Vary``).
  A view marks a response a handler may imitate by setting ``request.META[FRAME] = name``; when such a request went
  through Django, the headers of its answer are kept per (name, status, context) less the per-response ones
  (length, ETag, ``Link``, dates). A handler serves only with a frame learned this way, so it never answers a kind
  of request before Django has, and a response with a cookie is never learned.
- :meth:`FastPath.to_django` — hand a request over, optionally with a note in the environ saying what the handler
  already did (so the view neither counts nor logs it twice).

The tests of each handler compare its answers with the full stack's, header by header and byte by byte.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

#: ``request.META`` key a view sets to the frame name of a response the fast path may imitate.
FRAME = "ocop.fastpath.frame"
PER_RESPONSE_HEADERS = frozenset({"content-length", "etag", "link", "expires", "date", "server", "last-modified"})
_MAX_REMEMBERED = 512  # distinct hosts and language preferences remembered per process

StartResponse = Callable[..., object]
Context = tuple[str, bool]  # (language, is HTTPS)


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


class FastPath:
    """WSGI middleware dispatching hot GETs to their handlers (module docstring)."""

    def __init__(self, application: Callable[[dict, StartResponse], Iterable[bytes]],
                 handlers: list[str] | None = None) -> None:
        self.application = application
        paths = settings.FAST_PATH_HANDLERS if handlers is None else handlers
        self.handlers = [(path, import_string(path)(self)) for path in paths]
        self.prefixes = tuple(prefix for _path, handler in self.handlers for prefix in handler.prefixes)
        self.frames: dict[tuple[str, int, Context], list[tuple[str, str]]] = {}
        self._hosts: dict[tuple, bool] = {}
        self._languages: dict[tuple, str] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (path.startswith(self.prefixes) and environ.get("REQUEST_METHOD") == "GET"
                and not environ.get("QUERY_STRING")):
            for dotted_path, handler in self.handlers:
                if path.startswith(handler.prefixes) and dotted_path in settings.FAST_PATH_HANDLERS:
                    return handler.serve(environ, start_response, path)
        return self.application(environ, start_response)

    # --- what handlers use ----------------------------------------------------------------------------------------

    def context(self, environ: dict) -> Context | None:
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

    def frame(self, name: str, status: int, context: Context) -> list[tuple[str, str]] | None:
        return self.frames.get((name, status, context))

    def to_django(self, environ: dict, start_response: StartResponse, context: Context | None = None,
                  note: tuple[str, object] | None = None) -> Iterable[bytes]:
        """Let Django answer; learn the frame of its answer if the view marked it (and ``context`` is known)."""
        if note is not None:
            environ[note[0]] = note[1]
        if context is None:
            return self.application(environ, start_response)
        return self.application(environ, self._learning(environ, start_response, context))

    @staticmethod
    def respond(start_response: StartResponse, status: str, frame: list[tuple[str, str]],
                headers: list[tuple[str, str]], body: bytes) -> list[bytes]:
        start_response(status, [*frame, *headers])
        return [body]

    @staticmethod
    def before_query() -> None:
        """What Django does with the connection when a request starts: drop it if it is broken or too old."""
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()

    # --- internals ------------------------------------------------------------------------------------------------

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

    def _learning(self, environ: dict, start_response: StartResponse, context: Context) -> StartResponse:
        def learn(status: str, headers: list[tuple[str, str]], exc_info=None):
            name = environ.get(FRAME)
            if name is not None and not any(header.lower() == "set-cookie" for header, _value in headers):
                self.frames[(name, int(status.split(" ", 1)[0]), context)] = [
                    (header, value) for header, value in headers if header.lower() not in PER_RESPONSE_HEADERS]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return learn

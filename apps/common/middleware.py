"""Answer the hottest anonymous URLs early in the middleware stack, the way WhiteNoise answers static files.

A stamp scan (``/01/…/21/{serial}``, ``/s/{serial}``) or a vector tile (``/tiles/{layer}/{z}/{x}/{y}.mvt``) is
anonymous and read-mostly: it needs no session, no signed-in user, no flash messages and no CSRF token, yet every
request through the full stack pays for them. :class:`LeanPathMiddleware` sits right after WhiteNoise in
``MIDDLEWARE``; for the URLs named in ``settings.LEAN_PATHS`` it calls the view through the middleware that come
after it in ``MIDDLEWARE`` except those that only serve signed-in users (:data:`SKIPPED_MIDDLEWARE`), so the
answer is what the full stack gives — language, framing and length headers included — at a fraction of the cost.
Every other URL goes down the stack untouched. Middleware above this one (security headers, static files)
applies to these requests as to any other.

``LEAN_PATHS`` entries: ``{"prefixes": ("/s/", …), "mount": "/", "urlconf": "apps.stamps.urls", "names":
("stamps-short", …)}`` — a request whose path starts with one of ``prefixes`` is resolved against ``urlconf``
mounted at ``mount``, and served here only when the matched URL's name is in ``names``. The views must be
csrf-exempt and must not read ``request.session`` or ``request.user``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern
from django.utils.module_loading import import_string

SELF = "apps.common.middleware.LeanPathMiddleware"
# Middleware that only serve signed-in users and their sessions, and CSRF protection: the lean views read no
# session and are csrf-exempt with no token on their pages (the stamp report form posts through the full stack).
SKIPPED_MIDDLEWARE = frozenset({
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
})


def _call_view(request: HttpRequest) -> HttpResponse:
    match = request.resolver_match
    return match.func(request, *match.args, **match.kwargs)


@dataclass(frozen=True)
class _LeanPath:
    prefixes: tuple[str, ...]
    resolver: URLResolver
    names: frozenset[str]


class LeanPathMiddleware:
    """Serve the ``settings.LEAN_PATHS`` URLs through the lean part of the middleware stack (module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.paths = tuple(
            _LeanPath(tuple(entry["prefixes"]), URLResolver(RegexPattern("^" + re.escape(entry["mount"])),
                                                             entry["urlconf"]), frozenset(entry["names"]))
            for entry in getattr(settings, "LEAN_PATHS", ()))
        if not self.paths:
            raise MiddlewareNotUsed
        self.prefixes = tuple(prefix for lean in self.paths for prefix in lean.prefixes)
        self.handler = self._lean_handler()

    @staticmethod
    def _lean_handler() -> Callable[[HttpRequest], HttpResponse]:
        """The view wrapped in the middleware listed after this one, minus :data:`SKIPPED_MIDDLEWARE`.

        Built like Django's own chain: each layer turns exceptions into responses. Their ``process_view`` hooks are
        not called: the only one in a stock stack is CSRF's, which is skipped (the lean views are csrf-exempt).
        """
        names = list(settings.MIDDLEWARE)
        following = names[names.index(SELF) + 1:] if SELF in names else []
        handler = convert_exception_to_response(_call_view)
        for name in reversed(following):
            if name in SKIPPED_MIDDLEWARE:
                continue
            try:
                layer = import_string(name)(handler)
            except MiddlewareNotUsed:
                continue
            handler = convert_exception_to_response(layer)
        return handler

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(self.prefixes):
            for lean in self.paths:
                if not path.startswith(lean.prefixes):
                    continue
                try:
                    match = lean.resolver.resolve(path)
                except Resolver404:
                    continue
                if match.url_name in lean.names:
                    request.resolver_match = match
                    return self.handler(request)
        return self.get_response(request)

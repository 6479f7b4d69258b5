"""Answer the public stamp URLs early in the middleware stack, the way WhiteNoise answers static files.

A scan is anonymous and read-mostly: it needs no session, no signed-in user and no flash messages, yet every
request through the full stack pays for them. :class:`StampResolverMiddleware` sits right after WhiteNoise in
``MIDDLEWARE``; for the resolver URLs (``/01/…/21/{serial}`` and ``/s/{serial}``) it calls the view through the
middleware that come after it in ``MIDDLEWARE`` except those that only serve signed-in users
(:data:`SKIPPED_MIDDLEWARE`), so the answer is what the full stack gives — language, CSRF cookie, framing and
length headers included — at about half the cost. Every other URL goes down the stack untouched.
Middleware above this one (security headers, static files) applies to scans as to any request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern
from django.utils.module_loading import import_string

SELF = "apps.stamps.middleware.StampResolverMiddleware"
RESOLVER_URL_NAMES = frozenset({"stamps-digital-link", "stamps-short"})
PREFIXES = ("/01/", "/s/")  # the stamp URLs sit at the site root (see apps.stamps.rendering.url_prefix)
# Middleware that only serve signed-in users and their sessions: a scan never reads them.
SKIPPED_MIDDLEWARE = frozenset({
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
})


def _call_view(request: HttpRequest) -> HttpResponse:
    match = request.resolver_match
    return match.func(request, *match.args, **match.kwargs)


class StampResolverMiddleware:
    """Serve stamp resolves through the lean part of the middleware stack (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.resolver = URLResolver(RegexPattern(r"^/"), "apps.stamps.urls")
        self.handler = self._lean_handler()

    @staticmethod
    def _lean_handler() -> Callable[[HttpRequest], HttpResponse]:
        """The view wrapped in the middleware listed after this one, minus :data:`SKIPPED_MIDDLEWARE`.

        Built like Django's own chain: each layer turns exceptions into responses. Their ``process_view`` hooks are
        not called: the only one in a stock stack is CSRF's, which lets the (csrf-exempt, safe-method) resolver
        through anyway.
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
        if path.startswith(PREFIXES):
            try:
                match = self.resolver.resolve(path)
            except Resolver404:
                match = None
            if match is not None and match.url_name in RESOLVER_URL_NAMES:
                request.resolver_match = match
                return self.handler(request)
        return self.get_response(request)

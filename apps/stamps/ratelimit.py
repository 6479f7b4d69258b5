"""Per-client rate limits for the resolver, in a Django cache (``STAMPS_RATE_LIMIT_CACHE``).

A client is a salted hash of its IP address (never stored elsewhere, forgotten after the window). Two fixed
one-minute windows: all resolves (``STAMPS_RATE_LIMIT_PER_MINUTE``) and resolves of codes that are malformed or
unknown (``STAMPS_RATE_LIMIT_UNKNOWN_PER_MINUTE``) — a client guessing serials is throttled quickly while
everybody else is untouched. With the default per-process memory cache each worker counts on its own, so the
effective limit is the setting times the number of workers; point the cache at a shared backend to make it
exact. A limit of 0 switches that window off.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

WINDOW_SECONDS = 60


def _client_key(address: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:20]


def _keys(address: str) -> tuple[str, str, int]:
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    client = _client_key(address)
    retry_after = WINDOW_SECONDS - int(now % WINDOW_SECONDS)
    return f"stamps:rl:all:{client}:{window}", f"stamps:rl:unknown:{client}:{window}", retry_after


def _count(cache, key: str) -> int:
    if cache.add(key, 1, WINDOW_SECONDS + 5):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS + 5)
        return 1


def check_resolve(request: HttpRequest) -> int | None:
    """Count one resolve for the client; return seconds to wait if it is over a limit, else None."""
    return check_resolve_address(request.META.get("REMOTE_ADDR", ""))


def check_resolve_address(address: str) -> int | None:
    """:func:`check_resolve` for a client known by its address (the WSGI fast path has no request object)."""
    cache = caches[settings.STAMPS_RATE_LIMIT_CACHE]
    all_key, unknown_key, retry_after = _keys(address)
    unknown_limit = settings.STAMPS_RATE_LIMIT_UNKNOWN_PER_MINUTE
    if unknown_limit and (cache.get(unknown_key) or 0) >= unknown_limit:
        return retry_after
    limit = settings.STAMPS_RATE_LIMIT_PER_MINUTE
    if limit and _count(cache, all_key) > limit:
        return retry_after
    return None


def count_unknown(request: HttpRequest) -> None:
    """Count a resolve of a malformed or unknown code against the client's guessing budget."""
    if settings.STAMPS_RATE_LIMIT_UNKNOWN_PER_MINUTE:
        _count(caches[settings.STAMPS_RATE_LIMIT_CACHE], _keys(request.META.get("REMOTE_ADDR", ""))[1])

"""Per-client rate limits for the resolver, in a Django cache (``STAMPS_RATE_LIMIT_CACHE``).

A client is a salted hash of its IP address (never stored elsewhere, forgotten after the window). Two fixed
one-minute windows: all resolves (``STAMPS_RATE_LIMIT_PER_MINUTE``) and resolves of codes that are malformed or
unknown (``STAMPS_RATE_LIMIT_UNKNOWN_PER_MINUTE``) — a client guessing serials is throttled quickly while
everybody else is untouched. With the default per-process memory cache each worker counts on its own, so the
effective limit is the setting times the number of workers; point the cache at a shared backend to make it
exact. A limit of 0 switches that window off.

When the configured cache is the per-process memory cache, the counters are kept in a plain dictionary of this
process instead (:class:`_ProcessCounters`): the same per-process counts, without the cache's key validation,
pickling and lock on three calls per resolve (about a tenth of the resolver's own CPU time).
"""

from __future__ import annotations

import hashlib
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

WINDOW_SECONDS = 60


class _ProcessCounters:
    """Fixed-window counters in this process's memory, with the subset of the cache API used here.

    Keys carry their window number; the whole dictionary is dropped when a new window starts, so nothing outlives
    its window (the cache's timeout did the same).
    """

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._window = -1
        self._lock = threading.Lock()

    def _roll(self) -> None:
        window = int(time.time() // WINDOW_SECONDS)
        if window != self._window:
            self._counts.clear()
            self._window = window

    def get(self, key: str) -> int | None:
        with self._lock:
            self._roll()
            return self._counts.get(key)

    def count(self, key: str) -> int:
        with self._lock:
            self._roll()
            self._counts[key] = value = self._counts.get(key, 0) + 1
            return value

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


_PROCESS_COUNTERS = _ProcessCounters()


def _counters():
    """Where the counts live: this process's dictionary for the memory cache, else the configured cache."""
    alias = settings.STAMPS_RATE_LIMIT_CACHE
    if settings.CACHES[alias]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
        return _PROCESS_COUNTERS
    return caches[alias]


def clear() -> None:
    """Forget the per-process counts (tests; the shared cache is cleared with the cache)."""
    _PROCESS_COUNTERS.clear()


def _client_key(address: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()[:20]


def _keys(address: str) -> tuple[str, str, int]:
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    client = _client_key(address)
    retry_after = WINDOW_SECONDS - int(now % WINDOW_SECONDS)
    return f"stamps:rl:all:{client}:{window}", f"stamps:rl:unknown:{client}:{window}", retry_after


def _count(cache, key: str) -> int:
    if isinstance(cache, _ProcessCounters):
        return cache.count(key)
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
    cache = _counters()
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
        _count(_counters(), _keys(request.META.get("REMOTE_ADDR", ""))[1])

"""A small per-process cache with expiry for the resolver's per-lot parts (lot row, page template, links).

Django's local-memory cache pickles every value on the way in and out; the resolver reads several per-lot values
on every scan, and unpickling a model instance or a rendered page costs more than the rest of their handling.
Values here stay live objects, so they must be treated as read-only. Each worker holds its own copy (0 seconds
turns caching off). The number of entries is bounded; the oldest half is dropped when it is reached.

An entry may carry a ``version``: a reader that knows the current version (the resolver reads the lot's
``page_version`` with the scan, :mod:`apps.stamps.freshness`) passes it, and an entry stored under another version
is not used. So a change made through the platform shows on the next scan; ``seconds`` only bounds how long a
change made around the platform (SQL by hand) can go unseen.

Each entry lives a random part of ``seconds`` (between half and all of it). Workers start together and would
otherwise let the same pages expire in the same second and all re-render them at once: under load that stalls
every worker together (the resolver's worst latencies). Spread out, one worker re-renders at a time, and a change
still shows within ``seconds``.

An entry stored with ``refresh_behind=True`` (the product page: ~0.1 s to render) is not re-rendered by the request
that finds it expired. For up to ``seconds`` more, readers get the expired value and one background thread per
process computes the new one: no visitor waits for a render and a worker's queued requests are not held up behind
one (a change then shows within twice ``seconds`` at worst, plus one render). Only a missing entry, or one expired
for longer, is computed by the reader. A background computation that fails drops the entry, so the next reader
computes it and meets the error itself.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import threading
import time
from collections.abc import Callable, Hashable
from typing import NamedTuple, TypeVar

Value = TypeVar("Value")
MAX_ENTRIES = 4096
JITTER = 0.5  # an entry lives between (1 - JITTER) × seconds and seconds

logger = logging.getLogger(__name__)


class _Entry(NamedTuple):
    fresh_until: float
    value: object
    refresh: Callable[[], object] | None  # how to recompute it in the background (refresh-behind entries only)
    seconds: int  # also how long after ``fresh_until`` a refresh-behind entry is still served while recomputed
    version: object  # what the data were at when the value was computed (None: not versioned)


_entries: dict[Hashable, _Entry] = {}
_pending: set[Hashable] = set()
_jobs: queue.SimpleQueue = queue.SimpleQueue()
_refresher: dict[str, object] = {"pid": None}
_lock = threading.Lock()
_clock = time.monotonic  # tests move it


def get_or_set(key: Hashable, compute: Callable[[], Value], seconds: int, *, version: object = None,
               refresh_behind: bool = False) -> Value:
    """The cached value for ``key``, computed (and kept ``seconds``) when missing, expired or of another
    ``version`` than the one given.

    ``version`` must be read before ``compute`` runs (a change committed meanwhile then gives a newer version, and
    the next reader computes again). With ``refresh_behind``, ``compute`` must not depend on the calling request: it
    may run in a background thread.
    """
    if seconds <= 0:
        return compute()
    entry = _entries.get(key)
    if entry is not None and _usable(key, entry, version):
        return entry.value  # type: ignore[return-value]
    value = compute()
    _store(key, value, seconds, compute if refresh_behind else None, version)
    return value


def peek(key: Hashable, version: object = None) -> object | None:
    """The cached value for ``key`` if present, of ``version`` when one is given, and fresh (or being refreshed
    behind), else None (nothing computed here)."""
    entry = _entries.get(key)
    return entry.value if entry is not None and _usable(key, entry, version) else None


def clear() -> None:
    """Forget every entry (tests; a deliberate refresh)."""
    _entries.clear()


def _usable(key: Hashable, entry: _Entry, version: object) -> bool:
    """Of the version asked for (if any), and fresh, or expired but still servable while a background refresh
    (scheduled here) replaces it."""
    if version is not None and entry.version != version:
        return False
    now = _clock()
    if entry.fresh_until > now:
        return True
    if entry.refresh is not None and entry.fresh_until + entry.seconds > now:
        _schedule(key, entry)
        return True
    return False


def _store(key: Hashable, value: object, seconds: int, refresh: Callable[[], object] | None,
           version: object) -> None:
    if len(_entries) >= MAX_ENTRIES:
        for old in list(_entries)[:MAX_ENTRIES // 2]:  # dicts keep insertion order: the oldest first
            _entries.pop(old, None)
    now = _clock()
    fresh_until = now + seconds * (1 - JITTER * random.random())  # noqa: S311 — spreading expiries, not security
    _entries[key] = _Entry(fresh_until, value, refresh, seconds, version)


def _schedule(key: Hashable, entry: _Entry) -> None:
    with _lock:
        if key in _pending:
            return
        _pending.add(key)
        if _refresher["pid"] != os.getpid():  # none yet in this process (a forked worker inherits no thread)
            _refresher["pid"] = os.getpid()
            threading.Thread(target=_refresh_forever, name="localcache-refresh", daemon=True).start()
    _jobs.put((key, entry))


def _refresh_forever() -> None:
    while True:
        key, entry = _jobs.get()
        try:
            value = entry.refresh()
        except Exception:
            logger.exception("refreshing the cached %r failed; the next reader computes it", key)
            _entries.pop(key, None)
        else:
            if _entries.get(key) is entry:  # not replaced or cleared meanwhile
                _store(key, value, entry.seconds, entry.refresh, entry.version)
        finally:
            with _lock:
                _pending.discard(key)
            _after_refresh()


def _after_refresh() -> None:
    """Give back what the background computation held: its own database connections (Django's are per thread)."""
    from django.db import connections

    connections.close_all()


def wait_for_refreshes(timeout: float = 10.0) -> bool:
    """Block until no refresh is pending (tests); True if they all finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _lock:
            if not _pending:
                return True
        time.sleep(0.005)
    return False

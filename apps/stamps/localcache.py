"""A small per-process cache with expiry for the resolver's per-lot parts (lot row, page template, links).

Django's local-memory cache pickles every value on the way in and out; the resolver reads several per-lot values
on every scan, and unpickling a model instance or a rendered page costs more than the rest of their handling.
Values here stay live objects, so they must be treated as read-only. The semantics are those of the default
per-process cache: each worker holds its own copy and a change shows within ``STAMPS_PAGE_CACHE_SECONDS``
(0 turns caching off). The number of entries is bounded; the oldest half is dropped when it is reached.

Each entry lives a random part of ``seconds`` (between half and all of it). Workers start together and would
otherwise let the same pages expire in the same second and all re-render them at once: under load that stalls
every worker together (the resolver's worst latencies). Spread out, one worker re-renders at a time, and a change
still shows within ``seconds``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

Value = TypeVar("Value")
MAX_ENTRIES = 4096
JITTER = 0.5  # an entry lives between (1 - JITTER) × seconds and seconds

_entries: dict[Hashable, tuple[float, object]] = {}


def get_or_set(key: Hashable, compute: Callable[[], Value], seconds: int) -> Value:
    """The cached value for ``key``, computed (and kept ``seconds``) when missing or expired."""
    if seconds <= 0:
        return compute()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]  # type: ignore[return-value]
    value = compute()
    if len(_entries) >= MAX_ENTRIES:
        for old in list(_entries)[:MAX_ENTRIES // 2]:  # dicts keep insertion order: the oldest first
            _entries.pop(old, None)
    _entries[key] = (now + seconds * (1 - JITTER * random.random()), value)  # noqa: S311 — not security
    return value


def peek(key: Hashable) -> object | None:
    """The cached value for ``key`` if present and fresh, else None (nothing is computed)."""
    entry = _entries.get(key)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    return None


def clear() -> None:
    """Forget every entry (tests; a deliberate refresh)."""
    _entries.clear()

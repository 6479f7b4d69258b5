"""The resolver's per-process cache: values kept, expiry spread so workers don't re-render together."""

from __future__ import annotations

import pytest

from apps.stamps import localcache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(localcache.time, "monotonic", lambda: now[0])
    localcache.clear()
    yield now
    localcache.clear()


def test_value_is_kept_and_not_recomputed(clock):
    calls = []
    assert localcache.get_or_set("k", lambda: calls.append(1) or "page", 60) == "page"
    assert localcache.get_or_set("k", lambda: calls.append(1) or "other", 60) == "page"
    assert localcache.peek("k") == "page"
    assert calls == [1]


def test_entry_lives_between_half_and_all_of_its_seconds(clock):
    for index in range(200):
        localcache.get_or_set(index, lambda: "v", 60)
    clock[0] += 29.999
    assert all(localcache.peek(index) == "v" for index in range(200))  # none before half the lifetime
    clock[0] += 30.002
    assert all(localcache.peek(index) is None for index in range(200))  # a change shows within the setting


def test_expiries_are_spread_out(clock):
    for index in range(200):
        localcache.get_or_set(index, lambda: "v", 60)
    clock[0] += 45
    alive = sum(localcache.peek(index) == "v" for index in range(200))
    assert 40 < alive < 160  # about half still fresh: the entries set together do not expire together


def test_zero_seconds_turns_caching_off(clock):
    calls = []
    localcache.get_or_set("k", lambda: calls.append(1), 0)
    localcache.get_or_set("k", lambda: calls.append(1), 0)
    assert calls == [1, 1]
    assert localcache.peek("k") is None

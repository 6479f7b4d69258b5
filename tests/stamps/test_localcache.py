"""The resolver's per-process cache: values kept, expiry spread, heavy pages refreshed behind the requests."""

from __future__ import annotations

import threading

import pytest

from apps.stamps import localcache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(localcache, "_clock", lambda: now[0])
    localcache.clear()
    yield now
    assert localcache.wait_for_refreshes()
    localcache.clear()


def test_value_is_kept_and_not_recomputed(clock):
    calls = []
    assert localcache.get_or_set("k", lambda: calls.append(1) or "page", 60) == "page"
    assert localcache.get_or_set("k", lambda: calls.append(1) or "other", 60) == "page"
    assert localcache.peek("k") == "page"
    assert calls == [1]


def test_an_entry_of_another_version_is_not_used(clock):
    assert localcache.get_or_set("k", lambda: "v7 page", 60, version=7) == "v7 page"
    assert localcache.peek("k", 7) == "v7 page"
    assert localcache.peek("k", 8) is None  # the data changed since it was computed
    assert localcache.get_or_set("k", lambda: "v8 page", 60, version=8) == "v8 page"
    assert localcache.peek("k", 7) is None and localcache.peek("k", 8) == "v8 page"
    assert localcache.peek("k") == "v8 page"  # a reader that knows no version takes what is there


def test_an_entry_of_another_version_is_not_refreshed_behind_but_computed_by_the_reader(clock):
    localcache.get_or_set("page", lambda: "old", 60, version=1, refresh_behind=True)
    clock[0] += 61  # expired, within the grace time
    assert localcache.get_or_set("page", lambda: "new", 60, version=2, refresh_behind=True) == "new"
    assert localcache.wait_for_refreshes() and localcache.peek("page", 2) == "new"


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


def test_an_expired_refresh_behind_entry_is_served_while_a_background_thread_recomputes_it(clock):
    versions = iter(["v1", "v2", "v3"])
    threads = []

    def render():
        threads.append(threading.current_thread().name)
        return next(versions)

    assert localcache.get_or_set("page", render, 60, refresh_behind=True) == "v1"
    clock[0] += 60.001  # expired, within the following 60 s
    assert localcache.peek("page") == "v1"  # the reader does not wait for a render
    assert localcache.get_or_set("page", render, 60, refresh_behind=True) == "v1"
    assert localcache.wait_for_refreshes()
    assert localcache.peek("page") == "v2"  # fresh again, computed once
    assert threads == [threading.current_thread().name, "localcache-refresh"]


def test_an_entry_expired_for_longer_is_computed_by_the_reader(clock):
    localcache.get_or_set("page", lambda: "old", 60, refresh_behind=True)
    clock[0] += 120.001
    assert localcache.peek("page") is None
    assert localcache.get_or_set("page", lambda: "new", 60, refresh_behind=True) == "new"


def test_plain_entries_are_never_served_expired(clock):
    localcache.get_or_set("lot", lambda: "old", 60)
    clock[0] += 60.001
    assert localcache.peek("lot") is None
    assert localcache.wait_for_refreshes()
    assert localcache.get_or_set("lot", lambda: "new", 60) == "new"


def test_a_failing_background_refresh_drops_the_entry_for_the_next_reader(clock, caplog):
    def render():
        raise LookupError("lot gone")

    localcache._store("page", "old", 60, render, None)
    clock[0] += 60.001
    assert localcache.peek("page") == "old"
    assert localcache.wait_for_refreshes()
    assert localcache.peek("page") is None
    assert "refreshing the cached 'page' failed" in caplog.text

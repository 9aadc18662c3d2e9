"""Looking for a newly issued edition never makes a reader wait: once the refresh time has
passed, one background thread reads the published state while every request keeps
answering from the state it has."""

from __future__ import annotations

import threading

from sop_platform.core.database import Database
from sop_platform.reading.live_site import LiveSite


def _refreshes() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "published-state"]


def test_a_due_state_is_read_again_by_one_thread_while_requests_keep_the_old_one(
    loaded: Database,
):
    site = LiveSite(loaded, ttl=60)
    first = site.state()
    site._state_read -= 120  # the refresh time has passed
    release = threading.Event()
    reads: list[int] = []
    read = site._read_state

    def slow_read():  # type: ignore[no-untyped-def]
        reads.append(1)
        release.wait(10)
        return read()

    site._read_state = slow_read  # type: ignore[method-assign]

    answered = [site.state(memory_only=True) for _ in range(5)]
    answered.append(site.state())

    assert all(state is first for state in answered)  # nobody waited, nobody failed
    release.set()
    for thread in _refreshes():
        thread.join(10)
    assert reads == [1]  # one read for all six requests
    assert site.state(memory_only=True) is not first  # the new state is in place
    assert site.state(memory_only=True) is site.state(memory_only=True)


def test_forgetting_outranks_a_read_that_began_before_it(loaded: Database):
    site = LiveSite(loaded, ttl=60)
    site.state()
    site._state_read -= 120
    release = threading.Event()
    read = site._read_state

    def slow_read():  # type: ignore[no-untyped-def]
        release.wait(10)
        return read()

    site._read_state = slow_read  # type: ignore[method-assign]
    site.state(memory_only=True)  # starts the background read
    site.forget()  # an edition issued here meanwhile
    site._read_state = read  # type: ignore[method-assign]
    fresh = site.state()
    release.set()
    for thread in _refreshes():
        thread.join(10)

    assert site.state() is fresh


def test_with_no_refresh_time_each_request_reads_the_state_itself(loaded: Database):
    site = LiveSite(loaded, ttl=0)
    first = site.state()

    assert site.state() is not first
    assert _refreshes() == []

"""`compact`: the one encoder of a delta that both the version store and the proposal store
write, checked by applying it before anything is stored."""

from __future__ import annotations

import pytest

from sop_platform.core import delta

BASE = b"## Scope\n\nIt applies to every deminer in the field.\n" * 40
EDITED = BASE.replace(b"every deminer", "every deminer and team leader, ə".encode(), 3)


def test_compact_gives_a_delta_that_rebuilds_the_content() -> None:
    payload = delta.compact(BASE, EDITED)

    assert not delta.is_snapshot(payload)
    assert delta.apply_delta(BASE, payload) == EDITED
    assert len(payload) < len(EDITED) // 4


@pytest.mark.parametrize(
    ("base", "content"),
    [(b"", b"all new"), (BASE, b""), (BASE, BASE), (b"\x00\xff" * 300, "ünïcödé".encode() * 50)],
)
def test_compact_round_trips_any_pair(base: bytes, content: bytes) -> None:
    payload = delta.compact(base, content)

    rebuilt = (
        delta.content_of_snapshot(payload)
        if delta.is_snapshot(payload)
        else delta.apply_delta(base, payload)
    )
    assert rebuilt == content


def test_a_delta_that_would_not_rebuild_the_content_is_refused_for_a_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delta, "apply_delta", lambda base, payload: base)

    payload = delta.compact(BASE, EDITED)

    assert delta.is_snapshot(payload)
    assert delta.content_of_snapshot(payload) == EDITED

"""How the test workers share the suite: one test at a time, except that the tests sharing
a module-scoped fixture (an edition's PDFs, a seeded database with its staff) go together
to one worker, so that fixture is made once per run instead of once per worker that
happens to get one of its tests.

xdist's own choices do not fit: `--dist load` sends tests one by one and made each module
fixture up to three times (the edition PDF tests' fixtures alone cost 60 s a run that
way); `loadscope` sends whole modules and left one worker alone with the last big one;
`loadgroup` needs test ids renamed, which pytest 9 no longer lets xdist do.

Only the workers collect tests, so each worker writes, after collecting, which test
belongs to which group (`write_groups`); the controller's scheduler reads that when it
splits the collection into work units (`GroupedScheduling`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

SHARED_SCOPES = {"module", "class", "package"}


def shared_setup_group(item: pytest.Item) -> str | None:
    """The work unit of a test that uses a module-, class- or package-scoped fixture: its
    module and those fixtures' parameters (a SQLite and a PostgreSQL instance of a fixture
    are two units); None for a test that can run anywhere."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    shared = sorted(
        name
        for name in item.fixturenames
        if (definitions := info.name2fixturedefs.get(name))
        and definitions[-1].scope in SHARED_SCOPES
    )
    if not shared:
        return None
    callspec = getattr(item, "callspec", None)
    indices = callspec.indices if callspec is not None else {}
    params = ",".join(f"{name}={indices[name]}" for name in shared if name in indices)
    return f"{item.nodeid.split('::', 1)[0]}[{params}]"


def order(items: list[pytest.Item]) -> None:
    """Slow tests first, then the groups, then the rest, each in collection order: the
    longest pieces of work start first so that no worker is left alone with one at the
    end."""
    items.sort(
        key=lambda item: (
            0
            if item.get_closest_marker("slow") is not None
            else 1
            if shared_setup_group(item) is not None
            else 2
        )
    )


def write_groups(folder: Path, worker: str, items: list[pytest.Item]) -> None:
    """On a worker: the groups of the tests it collected, for the controller to read."""
    groups = {item.nodeid: group for item in items if (group := shared_setup_group(item))}
    target = folder / "groups" / f"{worker}.json"
    target.parent.mkdir(exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(groups), encoding="utf-8")
    os.replace(partial, target)


class GroupedScheduling(LoadScopeScheduling):
    """`loadscope` whose scope is the test itself, or its group when it has one."""

    def __init__(self, config: pytest.Config, folder: Path, log: object = None) -> None:
        super().__init__(config, log)  # type: ignore[arg-type]
        self._folder = folder
        self._groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:
            # Every worker collected the same tests (xdist checks it before scheduling):
            # any one's file will do.
            written = sorted((self._folder / "groups").glob("*.json"))
            self._groups = json.loads(written[0].read_text(encoding="utf-8")) if written else {}
        return self._groups.get(nodeid, nodeid)

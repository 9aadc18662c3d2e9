"""Schemathesis hooks of `schemathesis_battery.py` (loaded by `SCHEMATHESIS_HOOKS`).

* Half the generated path parameters, query parameters and JSON bodies name things that
  exist (`BATTERY_VALUES`: the documents, chapters, change requests and accounts of the
  battery's database, by parameter name), so that requests get past "not found" into the
  routes' real work; the other half stay as generated. Half of each get a NUL put into one
  of their strings: random text holds NUL too rarely to find what it breaks.
* The run never aims an account change at the account whose token it holds: resetting
  its password, changing its role or disabling it ends that token, and every later
  request of the run would be a 401 that tests nothing."""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis
from hypothesis import strategies as st

OWN = os.environ.get("BATTERY_OWN_USERNAME", "")
STAND_IN = "battery-nobody"
VALUES: dict[str, list[Any]] = json.loads(os.environ.get("BATTERY_VALUES", "{}"))


def _with_nul(values: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`values` with a NUL put into one of its strings (as is, if it holds none)."""
    texts = sorted(name for name, value in values.items() if isinstance(value, str))
    if not texts:
        return st.just(values)

    def put(name: str, at: int) -> dict[str, Any]:
        text = values[name]
        at = at % (len(text) + 1)
        return {**values, name: text[:at] + "\x00" + text[at:]}

    return st.builds(put, st.sampled_from(texts), st.integers(min_value=0, max_value=100))


def _sometimes_real(generated: Any) -> st.SearchStrategy[Any]:
    """As generated, or with the names that exist, or either with a NUL in one string:
    random text holds NUL too rarely, and seldom in a request valid otherwise."""
    if not isinstance(generated, dict):
        return st.just(generated)
    known = {name: VALUES[name] for name in generated if VALUES.get(name)}
    real = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in known.items()}).map(
        lambda chosen: {**generated, **chosen}
    )
    return st.one_of(
        st.just(generated), real, real.flatmap(_with_nul), st.just(generated).flatmap(_with_nul)
    )


@schemathesis.hook
def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
    return _sometimes_real(path_parameters)


@schemathesis.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    return _sometimes_real(query)


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return _sometimes_real(body)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.path_parameters and case.path_parameters.get("username") == OWN:
        case.path_parameters = {**case.path_parameters, "username": STAND_IN}

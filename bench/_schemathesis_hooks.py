"""Schemathesis hooks of `schemathesis_battery.py` (loaded by `SCHEMATHESIS_HOOKS`).

* Half the generated path parameters, query parameters and JSON bodies name things that
  exist (`BATTERY_VALUES`: the documents, chapters, change requests and accounts of the
  battery's database, by parameter name), so that requests get past "not found" into the
  routes' real work; the other half stay as generated (NUL characters included).
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


def _sometimes_real(generated: Any) -> st.SearchStrategy[Any]:
    if not isinstance(generated, dict):
        return st.just(generated)
    known = {name: VALUES[name] for name in generated if VALUES.get(name)}
    if not known:
        return st.just(generated)
    real = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in known.items()})
    return st.one_of(st.just(generated), real.map(lambda chosen: {**generated, **chosen}))


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

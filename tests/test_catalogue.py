"""The interface catalogues (frontend/i18n/*.yaml) say the same things in every language, and
every interface word a staff template asks for is in them."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from jinja2 import Environment, nodes

from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.mapping import RELATIONS
from sop_platform.core.roles import Role
from sop_platform.render.clause_diff import (
    ADDED_ROW,
    CHANGED,
    FRONT_MATTER,
    PREAMBLE,
    REMOVED,
    UNCHANGED,
)
from sop_platform.resources import shipped_dir
from sop_platform.review.change_requests import WORDING_FIELDS
from sop_platform.review.reviews import DECISIONS
from sop_platform.review.workflow import State

I18N = shipped_dir("frontend") / "i18n"
TEMPLATES = sorted((shipped_dir("frontend") / "templates" / "app").glob("*.html"))

# The values a template appends to a key's prefix (`t['state_' + cr.state]`), by prefix.
DYNAMIC = {
    "state_": [state.value for state in State],
    "role_": [role.value for role in Role],
    "decision_": list(DECISIONS),
    "relation_": [str(relation) for relation in RELATIONS],
    "kind_": ["sop", "standard"],
    "action_": ["approve", "review", "merge", "revise"],
    "closed_": ["merged", "withdrawn", "rejected"],
    # The review diff's rows: a row that is no clause by its key, every row by its status.
    "row_": [
        key.replace("-", "_")
        for key in (FRONT_MATTER, PREAMBLE, UNCHANGED, CHANGED, ADDED_ROW, REMOVED)
    ],
    # A Word import's chapters in its preview.
    "word_status_": ["changed", "new", "unchanged", "emptied"],
    # What the staff application's redirects put in `?done=`.
    "done_": [
        "signed_out",
        "saved",
        "submitted",
        "withdrawn",
        "rejected",
        "approved",
        "changes_requested",
        "commented",
        "resolved",
        "reopened",
        "merged",
        "issued",
        "edition_withdrawn",
        "periodic_review",
        "briefing_recorded",
        "copy_registered",
        "copy_replaced",
    ],
    "reading_status_": ["acknowledged", "briefed", "pending", "overdue"],
    "wording_": list(WORDING_FIELDS),
    # A language as an adjective ("English", "ingiliscə"): outdated translations.
    "lang_adj_": list(LANGUAGES),
    "divergence_": [
        "translation_outdated",
        "translation_missing",
        "needs_review",
        "broken_reference",
    ],
}


def _raw(language: str) -> dict[object, object]:
    loaded = yaml.safe_load((I18N / f"{language}.yaml").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def catalogues() -> dict[str, dict[object, object]]:
    return {language: _raw(language) for language in LANGUAGES}


def test_there_is_a_catalogue_for_every_language_and_no_other() -> None:
    assert {path.stem for path in I18N.glob("*.yaml")} == set(LANGUAGES)


def test_every_catalogue_has_the_same_keys(catalogues: dict[str, dict[object, object]]) -> None:
    english = set(catalogues["en"])
    for language, catalogue in catalogues.items():
        assert set(catalogue) - english == set(), f"only in {language}.yaml"
        assert english - set(catalogue) == set(), f"missing from {language}.yaml"


def test_no_value_is_empty_or_anything_but_text(
    catalogues: dict[str, dict[object, object]],
) -> None:
    for language, catalogue in catalogues.items():
        bad = {
            key: value
            for key, value in catalogue.items()
            if not isinstance(key, str) or not isinstance(value, str) or not value.strip()
        }
        assert bad == {}, language


def test_every_key_has_the_same_placeholders_in_every_language(
    catalogues: dict[str, dict[object, object]],
) -> None:
    english = catalogues["en"]
    for language, catalogue in catalogues.items():
        differ = {
            key: (_placeholders(str(english[key])), _placeholders(str(value)))
            for key, value in catalogue.items()
            if key in english and _placeholders(str(english[key])) != _placeholders(str(value))
        }
        assert differ == {}, language


def test_every_value_is_a_valid_format_string(
    catalogues: dict[str, dict[object, object]],
) -> None:
    for language, catalogue in catalogues.items():
        for key, value in catalogue.items():
            names = _placeholders(str(value))
            try:
                str(value).format(**dict.fromkeys(names, "x"))
            except (ValueError, IndexError, KeyError) as error:
                pytest.fail(f"{language}.yaml {key}: {error}")


# What the staff templates ask for


def _uses(template: Path) -> Iterator[tuple[str, str | None, set[str] | None]]:
    """Each interface word `template` asks for: (key, prefix of a computed key or None,
    the placeholders `said` is given or None)."""
    tree = Environment().parse(template.read_text("utf-8"))
    for attribute in tree.find_all(nodes.Getattr):
        if _is_t(attribute.node) and attribute.attr != "get":
            yield attribute.attr, None, None
    for item in tree.find_all(nodes.Getitem):
        if _is_t(item.node):
            yield from _key_of(item.arg)
    for call in tree.find_all(nodes.Call):
        callee = call.node
        if isinstance(callee, nodes.Name) and callee.name == "said":
            [key, *_rest] = call.args
            assert isinstance(key, nodes.Const), f"{template.name}: said() with a computed key"
            yield key.value, None, {keyword.key for keyword in call.kwargs}
        elif isinstance(callee, nodes.Getattr) and callee.attr == "get" and _is_t(callee.node):
            yield from _key_of(call.args[0])


def _is_t(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "t"


def _key_of(node: nodes.Node) -> Iterator[tuple[str, str | None, set[str] | None]]:
    if isinstance(node, nodes.Const):
        yield node.value, None, None
    elif isinstance(node, nodes.Add) and isinstance(node.left, nodes.Const):
        yield "", node.left.value, None
    else:
        pytest.fail(f"a computed interface key the test cannot read: {node!r}")


@pytest.mark.parametrize("template", TEMPLATES, ids=[path.name for path in TEMPLATES])
def test_every_word_a_staff_template_asks_for_is_in_every_catalogue(
    template: Path, catalogues: dict[str, dict[object, object]]
) -> None:
    for language, catalogue in catalogues.items():
        missing = []
        for key, prefix, given in _uses(template):
            if prefix is not None:
                assert prefix in DYNAMIC, f"{template.name}: unknown computed key '{prefix}...'"
                missing += [prefix + v for v in DYNAMIC[prefix] if prefix + v not in catalogue]
            elif key not in catalogue:
                missing.append(key)
            elif given is not None and given != _placeholders(str(catalogue[key])):
                missing.append(f"{key}: said() gives {sorted(given)}")
        assert missing == [], f"{template.name} in {language}.yaml"


def test_the_template_reader_finds_the_words_it_should() -> None:
    # Guards the test above against reading nothing: base.html asks for these.
    base = next(path for path in TEMPLATES if path.name == "base.html")
    used = list(_uses(base))

    assert ("app_sign_out", None, None) in used
    assert ("app_queue_count", None, {"count"}) in used
    assert ("", "done_", None) in used

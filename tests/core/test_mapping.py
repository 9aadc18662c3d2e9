"""Clause mapping read from heading attributes, and what is wrong with it."""

from __future__ import annotations

import pytest

from sop_platform.core.clauses import Clause, clauses_of
from sop_platform.core.mapping import Relation, mapping_of, mapping_problems, split_key

STANDARDS = {"09.10", "10.20"}
STANDARD_CLAUSES = {"09.10#6.2", "09.10#6.3", "09.10#8", "10.20#5.2"}


def chapter(*headings: str) -> list[Clause]:
    """The clauses of chapter 4 with the given `##` headings, each over one sentence."""
    body = "\n".join(f"## {heading}\n\nThe team shall comply.\n" for heading in headings)
    return clauses_of(f"---\nnumber: 4\ntitle: Manual clearance\n---\n\n{body}")


def problems(*headings: str) -> list[str]:
    found = mapping_problems(chapter(*headings), STANDARD_CLAUSES, STANDARDS)
    return [problem.message for problem in found]


def test_a_clause_without_imas_is_national() -> None:
    [clause] = chapter("Team composition {#team-composition}")

    mapping = mapping_of(clause)

    assert mapping.relation == Relation.NATIONAL
    assert mapping.standards == ()
    assert mapping.justification == ""


def test_a_clause_with_imas_and_no_relation_adapts() -> None:
    [clause] = chapter('Clearance depth {#clearance-depth imas="09.10#6.2"}')

    assert mapping_of(clause).relation == Relation.ADAPTS
    assert mapping_of(clause).standards == ("09.10#6.2",)


def test_a_mapping_keeps_every_standard_clause_once_in_the_order_written() -> None:
    [clause] = chapter(
        'Depth {#depth imas="09.10#6.3 09.10#6.2 09.10#6.3" relation=stricter '
        'justification="  Deeper ordnance.  "}'
    )

    mapping = mapping_of(clause)

    assert mapping.standards == ("09.10#6.3", "09.10#6.2")
    assert mapping.relation == Relation.STRICTER
    assert mapping.justification == "Deeper ordnance."


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("09.10#6.2", ("09.10", "6.2")),
        ("10.20#5", ("10.20", "5")),
        ("09.10#A.1", ("09.10", "A.1")),
        ("09.10", None),
        ("09.10#", None),
        ("#6.2", None),
        ("09.10#6.2#1", None),
        ("09 10#6.2", None),
    ],
)
def test_a_standard_clause_key_is_a_standard_id_and_a_clause_number(
    key: str, parts: tuple[str, str] | None
) -> None:
    assert split_key(key) == parts


def test_a_valid_mapping_has_no_problems() -> None:
    assert (
        problems(
            "Scope {#scope}",
            'Depth {#depth imas="09.10#6.2" relation=stricter}',
            'Detectors {#detectors imas="09.10#6.3"}',
            'Handover {#handover imas="09.10#8" relation=deviates justification="No owner."}',
            "Tripwires {#tripwires relation=national}",
        )
        == []
    )


@pytest.mark.parametrize(
    ("attributes", "says"),
    [
        ('imas="09.10#6.2" relation=stronger', "relation 'stronger' is not one of"),
        ('imas="09.99#6.2"', "there is no standard 09.99"),
        ('imas="09.10#6.9" relation=adopts', "standard 09.10 has no clause 6.9"),
        ('imas="6.2" relation=adopts', "imas='6.2' is not of the form 09.10#6.2"),
        ('imas="09.10#8" relation=deviates', "relation 'deviates' needs justification"),
        ('imas="09.10#8" relation=deviates justification="  "', "needs justification"),
        ('imas="09.10#6.2" relation=national', "'national' means no counterpart"),
        ("relation=stricter", "relation 'stricter' needs imas="),
        ("relation=deviates", "relation 'deviates' needs imas="),
    ],
)
def test_each_problem_names_the_clause_by_number_title_and_anchor(
    attributes: str, says: str
) -> None:
    clauses = chapter("Scope {#scope}", f"Depth of clearance {{#depth {attributes}}}")

    found = mapping_problems(clauses, STANDARD_CLAUSES, STANDARDS)

    assert any(says in problem.message for problem in found), [p.message for p in found]
    for problem in found:
        assert (problem.anchor, problem.number, problem.title) == (
            "depth",
            "4.2",
            "Depth of clearance",
        )
        assert problem.line == clauses[1].line
        assert problem.message.startswith('clause 4.2 "Depth of clearance" (#depth): ')


def test_every_problem_of_a_clause_is_reported() -> None:
    found = problems('Depth {#depth imas="09.10#6.9 11.11#1" relation=deviates}')

    assert len(found) == 3
    assert any("standard 09.10 has no clause 6.9" in message for message in found)
    assert any("there is no standard 11.11" in message for message in found)
    assert any("needs justification" in message for message in found)


def test_problems_of_several_clauses_each_name_their_own_clause() -> None:
    found = mapping_problems(
        chapter(
            'Depth {#depth imas="09.10#6.9"}',
            "Scope {#scope}",
            'Marking {#marking imas="10.20#5.2" relation=sideways}',
        ),
        STANDARD_CLAUSES,
        STANDARDS,
    )

    assert [(p.anchor, p.number) for p in found] == [("depth", "4.1"), ("marking", "4.3")]
    assert '"Marking" (#marking)' in found[1].message

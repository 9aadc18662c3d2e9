"""Clause mapping: which standard clauses a national clause implements, and how.

Read from the heading attributes `imas="09.10#6.2 10.20#5"`, `relation=` and
`justification="..."`. A standard clause is named by its standard's chapter id and its
published clause number. Without `imas=` a clause is `national`; with it, `adapts` unless
a relation is given.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from sop_platform.core.clauses import Clause


class Relation(StrEnum):
    ADOPTS = "adopts"
    ADAPTS = "adapts"
    STRICTER = "stricter"
    DEVIATES = "deviates"
    NATIONAL = "national"


RELATIONS = tuple(Relation)
_KEY = re.compile(r"^([0-9A-Za-z][0-9A-Za-z.-]{0,79})#([0-9A-Za-z][0-9A-Za-z.-]{0,39})$")


@dataclass(frozen=True)
class Mapping:
    relation: str  # one of RELATIONS when valid; as written otherwise
    standards: tuple[str, ...]  # "09.10#6.2", in the order written, each once
    justification: str


@dataclass(frozen=True)
class MappingProblem:
    anchor: str
    number: str
    title: str
    line: int  # 0-based line of the heading in the body
    message: str


def mapping_of(clause: Clause) -> Mapping:
    standards = tuple(dict.fromkeys(clause.attributes.get("imas", "").split()))
    default = Relation.ADAPTS if standards else Relation.NATIONAL
    relation = clause.attributes.get("relation", default).strip()
    return Mapping(relation, standards, clause.attributes.get("justification", "").strip())


def split_key(key: str) -> tuple[str, str] | None:
    """("09.10", "6.2") for "09.10#6.2"; None when it is not of that form."""
    match = _KEY.match(key)
    return (match.group(1), match.group(2)) if match else None


def clause_name(clause: Clause) -> str:
    """How a message names a clause: its number, title and anchor."""
    number = f"{clause.number} " if clause.number else ""
    return f'clause {number}"{clause.title}" (#{clause.anchor})'


def mapping_problems(
    clauses: list[Clause], standard_clauses: Collection[str], standards: Collection[str]
) -> list[MappingProblem]:
    """What is wrong with the mapping of each clause: an unknown relation, a standard clause
    that does not exist (`standard_clauses` holds every known "09.10#6.2", `standards` every
    known standard id), a relation that contradicts `imas=`, or `deviates` without a
    justification."""
    problems: list[MappingProblem] = []
    for clause in clauses:
        mapping = mapping_of(clause)
        messages = []
        if mapping.relation not in RELATIONS:
            messages.append(f"relation '{mapping.relation}' is not one of {', '.join(RELATIONS)}")
        elif mapping.relation == Relation.NATIONAL and mapping.standards:
            messages.append("relation 'national' means no counterpart, but imas= names one")
        elif mapping.relation != Relation.NATIONAL and not mapping.standards:
            messages.append(f"relation '{mapping.relation}' needs imas= naming a standard clause")
        for key in mapping.standards:
            parts = split_key(key)
            if parts is None:
                messages.append(f"imas='{key}' is not of the form 09.10#6.2")
            elif parts[0] not in standards:
                messages.append(f"imas='{key}': there is no standard {parts[0]}")
            elif key not in standard_clauses:
                messages.append(f"imas='{key}': standard {parts[0]} has no clause {parts[1]}")
        if mapping.relation == Relation.DEVIATES and not mapping.justification:
            messages.append("relation 'deviates' needs justification=\"why\"")
        problems.extend(
            MappingProblem(
                clause.anchor,
                clause.number,
                clause.title,
                clause.line,
                f"{clause_name(clause)}: {message}",
            )
            for message in messages
        )
    return problems

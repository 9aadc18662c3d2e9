"""The deviation register: every national clause that deviates from the standard, with its
justification and who approved it, as the authority attaches it to an accreditation file.

Who approved a clause is read from the merge record (`reading/deviation_approvals.py`):
the last merged CR (at or before the revision shown) that changed the clause, and the
signatures on it. A clause unchanged since the chapter was loaded from files has no CR; the
edition that first published it stands for its approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sop_platform.core.mapping import Relation
from sop_platform.core.signatures import Signature
from sop_platform.render.national_clauses import NationalClause
from sop_platform.render.standard_index import StandardClause, StandardIndex


@dataclass(frozen=True)
class Deviation:
    clause: NationalClause
    standards: tuple[tuple[str, StandardClause | None], ...]
    change_request: int | None
    change_request_title: str
    approved_by: tuple[Signature, ...]


@dataclass(frozen=True)
class Approval:
    """The last merged CR that changed a clause, and the signatures on it."""

    change_request: int | None
    title: str
    signatures: tuple[Signature, ...]


def deviating(clauses: Iterable[NationalClause]) -> list[NationalClause]:
    """The `deviates` clauses among `clauses`, in their order."""
    return [clause for clause in clauses if clause.mapping.relation == Relation.DEVIATES]


def register_of(
    deviations: list[NationalClause],
    index: StandardIndex,
    approvals: Mapping[tuple[str, str], Approval],
) -> list[Deviation]:
    """The register of `deviations` against `index`; `approvals` by (chapter, anchor)."""
    register = []
    for clause in deviations:
        approval = approvals.get((clause.chapter, clause.anchor))
        register.append(
            Deviation(
                clause,
                tuple((key, index.clauses.get(key)) for key in clause.mapping.standards),
                approval.change_request if approval else None,
                approval.title if approval else "",
                approval.signatures if approval else (),
            )
        )
    return register

"""A national document's compliance matrix and deviation register, at its heads or for an
edition.

An edition's are computed from the edition as `published_editions` loads it, the one read
the published site makes too, so the API and the site cannot disagree; the heads' are read
from the heads with the standards as they are now.
"""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core.drift import flags_of
from sop_platform.core.models import Document, Edition
from sop_platform.reading.deviation_approvals import approved_register
from sop_platform.reading.document_clauses import document_clauses
from sop_platform.reading.published_editions import loaded_edition
from sop_platform.reading.standards_as_of import standard_index
from sop_platform.render.compliance import ComplianceMatrix, compliance_matrix, edition_matrix
from sop_platform.render.deviations import Deviation


def open_flagged(session: Session, document: Document) -> frozenset[tuple[str, str, str]]:
    """(chapter, anchor, standard clause) of every open needs-review flag."""
    return frozenset(
        (flag.chapter_slug, flag.anchor, flag.standard_key)
        for flag in flags_of(session, document.id)
    )


def compliance_of(
    session: Session, document: Document, edition: Edition | None = None
) -> ComplianceMatrix:
    """The document's matrix at its heads (standards now, open flags), or for `edition`
    (its frozen texts against the standards as they stood when it was issued)."""
    flagged = open_flagged(session, document)
    if edition is not None:
        return edition_matrix(loaded_edition(session, document, edition), flagged)
    return compliance_matrix(document_clauses(session, document), standard_index(session), flagged)


def deviation_register(
    session: Session, document: Document, edition: Edition | None = None
) -> list[Deviation]:
    """Every `deviates` clause of the document's heads (or of `edition`), in reading order."""
    if edition is not None:
        return list(loaded_edition(session, document, edition).deviations)
    clauses = document_clauses(session, document)
    return approved_register(session, document, clauses, standard_index(session))

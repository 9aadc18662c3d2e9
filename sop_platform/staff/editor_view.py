"""What the editor shows of a text not saved yet, beyond the checks: the preview with the
clauses it changes against its base marked, and, when the chapter has another language,
that language's clauses and the checklist of those the edit leaves behind there. Asked when
the editor opens and again by its live preview as the author types."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from sop_platform.core.errors import NotFound
from sop_platform.core.models import ChangeRequest, Document
from sop_platform.render.site_text import said
from sop_platform.review.text_checks import Problem
from sop_platform.staff.both_languages import Counterpart, LeftBehind, counterpart_of, left_behind
from sop_platform.staff.clause_changes import clause_changes, marked_changes
from sop_platform.staff.editing import Pick, base_text, draft_problems, preview_html


@dataclass
class DraftView:
    preview: str  # rendered and escaped by the renderer, changed clauses marked
    problems: list[Problem]
    changed: list[str]  # anchors of the clauses changed against the base
    counterpart: Counterpart | None
    behind: list[LeftBehind] = field(default_factory=list)


def draft_view(
    session: Session,
    change_request: ChangeRequest,
    document: Document,
    pick: Pick,
    text: str,
    base_revision: int,
    interface: str,
) -> DraftView:
    """The preview, checks, changed clauses and (for a chapter with another language) the
    clauses left behind there, of `text` based on `base_revision`."""
    try:
        base = base_text(session, document, pick, base_revision)
    except NotFound:
        base = ""  # a revision the chapter lacks: everything counts as changed
    changes = clause_changes(base, text)
    html = marked_changes(
        preview_html(session, document, pick, text),
        changes.changed,
        said(interface, "editor_changed_badge"),
    )
    counterpart = counterpart_of(session, change_request, document, pick)
    return DraftView(
        preview=html,
        problems=draft_problems(session, change_request, pick, text),
        changed=changes.changed,
        counterpart=counterpart,
        behind=left_behind(base, text, counterpart) if counterpart else [],
    )

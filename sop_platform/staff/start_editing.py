"""Edit from where you read: "Edit" on a chapter or clause of the staff chapter page opens
the editor at once, without asking first for a title and a rationale.

The HTTP contract opens a change request with a title and a rationale (`POST
/api/v1/change-requests` refuses either empty), and that rule stays. So the staff page
opens the draft with a *provisional* wording (the title names the chapter; the rationale
says it is still to be written) and the editor asks for both when the author submits: the
title shown for confirmation, the rationale empty until written. A submission from the
editor that keeps the provisional rationale is refused.

A second "Edit" of the same chapter does not open another draft: it goes on in the author's
newest change request still in their hands (a draft, or sent back) that proposes either
language of the chapter, or in the empty draft an earlier click opened for it."""

from __future__ import annotations

import re
from html import escape, unescape

from sqlmodel import Session, select

from sop_platform.core.chapters import find_chapter
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import ChangeRequest, Chapter, User
from sop_platform.render.site_text import catalogue, said
from sop_platform.review import change_requests as crs
from sop_platform.review.proposal_store import proposals_at
from sop_platform.staff.editing import Pick, in_authors_hands

INTERFACES = ("en", "az")


def provisional_title(chapter: Chapter, interface: str) -> str:
    return said(interface, "provisional_title", number=chapter.number, title=chapter.title)


def provisional_rationales() -> set[str]:
    """The provisional rationale in every interface language."""
    return {catalogue(language)["provisional_rationale"] for language in INTERFACES}


def is_provisional(change_request: ChangeRequest) -> bool:
    """The CR still carries the rationale a click on "Edit" gave it."""
    return change_request.rationale in provisional_rationales()


def refuse_provisional(rationale: str) -> None:
    """A submission needs the author's own rationale, not the provisional one."""
    if rationale.strip() in provisional_rationales():
        raise InvalidInput("write the rationale: why is this change needed?")


def _going_on(session: Session, author: User, chapter: Chapter) -> ChangeRequest | None:
    variants = session.exec(
        select(Chapter).where(
            Chapter.document_id == chapter.document_id, Chapter.slug == chapter.slug
        )
    )
    # The titles an earlier "Edit" of this chapter (in either language) gave its draft.
    titles = {provisional_title(c, language) for c in variants for language in INTERFACES}
    for change_request in in_authors_hands(session, author, chapter.document_id):
        proposals = proposals_at(session, change_request)
        if any(proposal.chapter_slug == chapter.slug for proposal in proposals):
            return change_request
        if not proposals and is_provisional(change_request) and change_request.title in titles:
            return change_request
    return None


def start_editing(
    session: Session, doc: str, slug: str, language: str | None, author: User, interface: str
) -> tuple[ChangeRequest, Pick]:
    """The change request to edit the chapter in (see the module), and the chapter to open."""
    document, chapter = find_chapter(session, doc, slug, language)
    if document.kind != "sop":
        raise InvalidInput(
            f"'{document.slug}' is a {document.kind}: it changes only by importing a new version"
        )
    pick = Pick(chapter.slug, chapter.language)
    going_on = _going_on(session, author, chapter)
    if going_on is not None:
        return going_on, pick
    created = crs.create_change_request(
        session,
        document.slug,
        author=author,
        title=provisional_title(chapter, interface),
        rationale=catalogue(interface)["provisional_rationale"],
    )
    return created, pick


# How the renderer writes a clause's heading: its anchor as id, its number first.
_HEADING = re.compile(
    r'(<h([1-6]) id="([^"]*)"[^>]*><a class="clause-number" href="[^"]*">([^<]*)</a>.*?</h\2>)',
    re.DOTALL,
)


def with_edit_buttons(html: str, form: str, label: str) -> str:
    """A rendered chapter with an "Edit" button after each clause heading. Each submits the
    page's form `form` (which carries the CSRF token) with `clause` set to its anchor;
    `label` has `{number}` for the clause's number."""

    def button(match: re.Match[str]) -> str:
        heading, _level, anchor, number = match.groups()
        return (
            f'{heading}\n<p class="clause-edit"><button type="submit" class="link-button" '
            f'form="{escape(form)}" name="clause" value="{anchor}">'
            f"{escape(label.format(number=unescape(number)))}</button></p>"
        )

    return _HEADING.sub(button, html)

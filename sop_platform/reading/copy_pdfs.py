"""The PDF of a controlled copy: the edition the copy holds, with "Controlled copy N -
holder" on every page, for its holder's account and for approvers only."""

from __future__ import annotations

from sop_platform.core.accounts import role_of
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.controlled_copies import copy_by_number, edition_held
from sop_platform.core.errors import Conflict, Forbidden
from sop_platform.core.models import User
from sop_platform.core.roles import Role
from sop_platform.reading.live_site import LiveSite
from sop_platform.reading.memos import attach
from sop_platform.render.edition_pdf import CopyMark


def controlled_copy_pdf(
    site: LiveSite, user: User, doc: str, edition: int, number: int, lang: str | None
) -> bytes:
    """Edition `edition` of `doc` as the PDF of copy `number`. NotFound for a copy not
    registered; Forbidden unless `user` holds the copy or is an approver (or an
    administrator); Conflict when the copy holds another edition (the one it was last
    replaced with): a controlled copy is printed only as the edition it is registered for."""
    with site.database.session(write=False) as session:
        attach(session, site.memos)
        document = document_by_slug(session, doc)
        copy = copy_by_number(session, document, number)
        if copy.holder_id != user.id and not role_of(user).includes(Role.APPROVER):
            raise Forbidden(f"only the holder of copy {number} or an approver prints it")
        holds = edition_held(session, copy)
        mark = CopyMark(copy.number, copy.holder)
    if holds < edition:
        raise Conflict(
            f"copy {number} of '{doc}' holds edition {holds}, not edition {edition}: "
            f"record its replacement with edition {edition} first, or print edition {holds}"
        )
    if holds > edition:
        raise Conflict(
            f"copy {number} of '{doc}' was replaced with edition {holds}: "
            f"print edition {holds}, not edition {edition}"
        )
    return site.copy_pdf(doc, edition, lang, mark)

"""What every staff page is made with: the interface language, the signed-in user, the CSRF
token of the session, the counts in the navigation (the review queue, the bell's unread
notifications), and answers that are never cached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlmodel import Session

from sop_platform.api.deps import SESSION_COOKIE
from sop_platform.api.errors import wants_page
from sop_platform.core.accounts import all_users
from sop_platform.core.errors import DomainError
from sop_platform.core.front_matter import LANGUAGES
from sop_platform.core.inbox import unread_count
from sop_platform.core.models import User
from sop_platform.core.web_sessions import csrf_token
from sop_platform.render.site_text import catalogue
from sop_platform.render.templates import rendered
from sop_platform.review.queue import review_queue
from sop_platform.settings import Settings

T = TypeVar("T")
INTERFACE_COOKIE = "sop_interface"
NO_STORE = {"Cache-Control": "no-store", "Vary": "Cookie"}
PASSWORD_PAGE = "/app/password"  # noqa: S105 (an address, not a secret)


def interface_language(request: Request) -> str:
    """The language the staff interface speaks to this browser (its switch sets a cookie)."""
    chosen = request.cookies.get(INTERFACE_COOKIE, "")
    return chosen if chosen in LANGUAGES else "en"


def local_path(target: str | None, default: str = "/app") -> str:
    """`target` if it is a path on this site, else `default`: a `next=` can never send a
    signed-in user to another site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def _here(request: Request) -> str:
    """The address asked for, path and query."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def sign_in_address(request: Request) -> str:
    return f"/login?next={quote(_here(request), safe='')}"


def after_sign_in(user: User, target: str) -> str:
    """Where a browser goes once signed in: a password an administrator set is replaced
    first; then the statement is offered until it is signed; then `target`."""
    if user.must_change_password:
        return f"/app/password?next={quote(target, safe='')}"
    if user.attested_at is None:
        return f"/app/attestation?next={quote(target, safe='')}"
    return target


def session_csrf(request: Request, settings: Settings) -> str:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return csrf_token(settings.signing_key(), cookie) if cookie else ""


class People:
    """How staff pages show a person: the full name, with the username in a `title`
    (`person(username)`); inside a sentence of the catalogue, the sentence said with
    `PERSON` in the person's place, then `within(sentence, username)`. A name that is no
    account (`sop-platform init`, `cli`) is shown as it is."""

    MARK = "\x00person\x00"

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def name(self, username: str) -> str:
        return self.names.get(username, username)

    def __call__(self, username: str) -> Markup:
        name = self.names.get(username)
        if not name or name == username:
            return escape(username)
        return Markup('<span class="person" title="{}">{}</span>').format(username, name)

    def within(self, sentence: str, username: str) -> Markup:
        before, _mark, after = sentence.partition(self.MARK)
        return escape(before) + self(username) + escape(after) if _mark else escape(sentence)


def people_of(session: Session) -> People:
    """Every account's full name, for the pages that name people (a small table)."""
    return People({user.username: user.full_name for user in all_users(session)})


def queue_count(session: Session, user: User) -> int:
    _items, total = review_queue(session, user, limit=1)
    return total


def staff_page(
    request: Request,
    session: Session,
    user: User,
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page of the staff application, in the interface language of this browser."""
    settings: Settings = request.app.state.settings
    language = interface_language(request)
    # What a page shows only after a refused form post.
    context = {
        "error": "",
        "conflicts": [],
        "concurrent": None,
        "signed_in": True,
        "notice": "",
        **context,
    }
    people = people_of(session)
    html = rendered(
        f"app/{template}",
        language,
        user=user,
        person=people,
        PERSON=People.MARK,
        csrf=session_csrf(request, settings),
        queue_count=queue_count(session, user),
        unread_count=unread_count(session, user.id or 0),
        here=_here(request),
        done=request.query_params.get("done", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def see_other(target: str) -> RedirectResponse:
    """After a form post, the browser goes to a page it can reload without posting again."""
    return RedirectResponse(target, status_code=303, headers=NO_STORE)


def staff_error(
    request: Request, status: int, detail: object, headers: dict[str, str] | None = None
) -> Response:
    """A refusal in the staff application, said on a page; not signed in goes to the
    sign-in form, which comes back here afterwards."""
    if status == 401 and request.method in ("GET", "HEAD"):
        return see_other(sign_in_address(request))
    said = (
        detail
        if isinstance(detail, str)
        else "; ".join(
            str(problem.get("msg", problem)) if isinstance(problem, dict) else str(problem)
            for problem in (detail if isinstance(detail, list) else [detail])
        )
    )
    # The one refusal a signed-in person can always act on at once: an administrator set
    # their password (api/deps.py `_password_first` names the page to change it on).
    password_first = status == 403 and PASSWORD_PAGE in said
    return bare_page(
        request,
        "error.html",
        status=status,
        headers=headers,
        heading=catalogue(interface_language(request)).get(f"app_error_{status}", str(status)),
        detail=said,
        password_first=password_first,
        next_path=_here(request) if request.method in ("GET", "HEAD") else "/app",
        # A refusal names no user (it has no session to read one with), but a signed-in
        # browser keeps its way around and its sign-out.
        signed_in=bool(request.cookies.get(SESSION_COOKIE)) and status != 401,
        csrf=session_csrf(request, request.app.state.settings),
    )


def staff_error_page(
    request: Request, status: int, detail: object, headers: dict[str, str] | None
) -> Response | None:
    """The staff application's presenter of refusals (`create_app` registers it before the
    published site's): its own addresses, and a browser not signed in at a private site's
    page, which is asked to sign in and comes back."""
    signing_in = status == 401 and request.method in ("GET", "HEAD")
    staff = request.url.path.startswith(("/app", "/login", "/logout"))
    if wants_page(request) and (staff or signing_in):
        return staff_error(request, status, detail, headers)
    return None


def bare_page(
    request: Request,
    template: str,
    *,
    status: int,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A staff page without a signed-in user behind it: the sign-in form, a refusal."""
    context = {
        "user": None,
        "signed_in": False,
        "csrf": "",
        "here": request.url.path,
        "done": "",
        "notice": "",
        "queue_count": 0,
        "unread_count": 0,
        "person": People({}),
        "PERSON": People.MARK,
        **context,
    }
    html = rendered(f"app/{template}", interface_language(request), status=status, **context)
    return HTMLResponse(html, status_code=status, headers={**NO_STORE, **(headers or {})})


def attempt(session: Session, action: Callable[[], T]) -> tuple[T | None, DomainError | None]:
    """Run a form's action in a savepoint. A refusal undoes what the action wrote (except
    what the refusal itself must keep, such as a failed signature) and is returned, so
    that the page can be shown again with the refusal and everything the user typed."""
    savepoint = session.begin_nested()
    try:
        result = action()
    except DomainError as error:
        if error.keep_changes:
            savepoint.commit()
        else:
            savepoint.rollback()
        return None, error
    savepoint.commit()
    return result, None

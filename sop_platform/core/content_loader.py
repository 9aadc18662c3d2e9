"""Loading `SOP_CONTENT_DIR` (`sops/`, `standards/`) into an empty or existing database.

Everything is parsed and checked before anything is written, and the caller writes in one
transaction, so a bad file leaves nothing half-loaded. Chapters that already exist are never
changed here: after the first load, text changes only through review (or standard import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, select

from sop_platform.core import audit
from sop_platform.core.audience import (
    DEFAULT_WITHIN_DAYS,
    MAX_WITHIN_DAYS,
    Audience,
    checked_audience,
    parsed_audience,
    set_audience,
)
from sop_platform.core.audience import stored as stored_audience
from sop_platform.core.chapters import create_chapter
from sop_platform.core.clock import utc_today
from sop_platform.core.editions import editions_of, issue_edition
from sop_platform.core.errors import InvalidInput
from sop_platform.core.front_matter import LANGUAGES, ChapterHeader, chapter_header
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import Chapter, Document
from sop_platform.core.version_store import revision_row

LOADER = "sop-platform init"
KIND_OF_FOLDER = {"sops": "sop", "standards": "standard"}
DOCUMENT_SETTINGS = {
    "document",
    "title",
    "languages",
    "approvals",
    "prevailing_language",
    "review_interval_months",
    "audience",
    "acknowledge_within_days",
    "acknowledgement_password",
    "merge_needs_resolved_threads",
}
DEFAULT_REVIEW_MONTHS = 36
MAX_REVIEW_MONTHS = 120


@dataclass(frozen=True)
class ChapterFile:
    path: Path
    kind: str
    text: str
    header: ChapterHeader


@dataclass
class DocumentPlan:
    slug: str
    kind: str
    title: str
    languages: list[str]
    approvals_required: int
    chapters: list[ChapterFile] = field(default_factory=list)
    # As document.yaml gives them (None: not given), and the file that gave them.
    prevailing_language: str | None = None
    review_interval_months: int | None = None
    audience: Audience | None = None
    acknowledge_within_days: int | None = None
    acknowledgement_password: bool | None = None
    merge_needs_resolved_threads: bool | None = None
    settings_file: str = ""

    def prevailing(self) -> str:
        """The language whose text prevails: as given, else the first language."""
        return self.prevailing_language or self.languages[0]

    def review_interval(self) -> int:
        return self.review_interval_months or DEFAULT_REVIEW_MONTHS


@dataclass
class LoadReport:
    documents_created: list[str] = field(default_factory=list)
    chapters_loaded: int = 0
    chapters_unchanged: int = 0
    editions_issued: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def read_text(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{shown}: cannot be read ({error.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{shown}: is not UTF-8 (byte {error.start})") from None


def _document_settings(path: Path, shown: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(read_text(path, shown)) or {}
    except yaml.YAMLError:
        raise InvalidInput(f"{shown}: is not valid YAML") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{shown}: must be a mapping of fields")
    return data


def planned_documents(content_dir: Path) -> list[DocumentPlan]:
    """Every document and chapter under `content_dir`, parsed and checked; nothing written."""
    if not content_dir.is_dir():
        raise InvalidInput(f"{content_dir}: content folder does not exist")
    files: list[ChapterFile] = []
    settings_files: list[tuple[Path, str]] = []
    for folder, kind in KIND_OF_FOLDER.items():
        root = content_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.md")):
            shown = str(path.relative_to(content_dir))
            text = read_text(path, shown)
            files.append(ChapterFile(path, kind, text, chapter_header(text, shown)))
        settings_files += [(path, kind) for path in sorted(root.rglob("document.yaml"))]

    plans: dict[str, DocumentPlan] = {}
    seen: dict[tuple[str, str, str], Path] = {}
    for chapter in files:
        header = chapter.header
        key = (header.document, header.id, header.language)
        shown = str(chapter.path.relative_to(content_dir))
        if key in seen:
            raise InvalidInput(
                f"{shown}: front matter field 'id' repeats chapter '{header.id}' "
                f"({header.language}) of {seen[key].relative_to(content_dir)}"
            )
        seen[key] = chapter.path
        plan = plans.setdefault(
            header.document,
            DocumentPlan(header.document, chapter.kind, header.document, [], 2),
        )
        if plan.kind != chapter.kind:
            raise InvalidInput(
                f"{shown}: front matter field 'document' names '{header.document}', "
                f"which is already a document of kind '{plan.kind}'"
            )
        plan.chapters.append(chapter)

    for path, kind in settings_files:
        _apply_settings(path, kind, content_dir, plans)
    for plan in plans.values():
        if not plan.languages:
            found = {chapter.header.language for chapter in plan.chapters}
            plan.languages = sorted(found, key=lambda code: (code != "en", code))
        if plan.prevailing_language and plan.prevailing_language not in plan.languages:
            raise InvalidInput(
                f"{plan.settings_file}: field 'prevailing_language' is "
                f"'{plan.prevailing_language}', not one of the document's languages "
                f"({', '.join(plan.languages)})"
            )
        _check_numbers_and_translations(plan, content_dir)
    return sorted(plans.values(), key=lambda plan: (plan.kind != "standard", plan.slug))


def _check_numbers_and_translations(plan: DocumentPlan, content_dir: Path) -> None:
    """One chapter per number and language; a translation names a source that exists."""
    numbered: dict[tuple[str, str], str] = {}
    ids = {(chapter.header.id, chapter.header.language) for chapter in plan.chapters}
    for chapter in plan.chapters:
        header = chapter.header
        shown = str(chapter.path.relative_to(content_dir))
        other = numbered.setdefault((header.language, header.number), header.id)
        if other != header.id:
            raise InvalidInput(
                f"{shown}: front matter field 'number' repeats {header.number}, "
                f"already the number of chapter '{other}' ({header.language})"
            )
        if header.translation_of and (header.id, header.translation_of) not in ids:
            raise InvalidInput(
                f"{shown}: front matter field 'translation_of' names '{header.translation_of}', "
                f"but chapter '{header.id}' has no {header.translation_of} file"
            )


def _apply_settings(
    path: Path, kind: str, content_dir: Path, plans: dict[str, DocumentPlan]
) -> None:
    shown = str(path.relative_to(content_dir))
    data = _document_settings(path, shown)
    unknown = sorted(set(data) - DOCUMENT_SETTINGS)
    if unknown:
        raise InvalidInput(
            f"{shown}: unknown field '{unknown[0]}' (known: {', '.join(sorted(DOCUMENT_SETTINGS))})"
        )
    slug = data.get("document")
    if slug is None:
        below = {
            plan.slug
            for plan in plans.values()
            for chapter in plan.chapters
            if path.parent in chapter.path.parents
        }
        if len(below) != 1:
            raise InvalidInput(
                f"{shown}: field 'document' is missing and the chapters beside it "
                f"do not name exactly one document"
            )
        slug = below.pop()
    plan = plans.get(str(slug))
    if plan is None or plan.kind != kind:
        raise InvalidInput(f"{shown}: field 'document' names '{slug}', which has no chapters here")
    if "title" in data:
        if not isinstance(data["title"], str) or not data["title"].strip():
            raise InvalidInput(f"{shown}: field 'title' must be text")
        plan.title = data["title"].strip()
    if "languages" in data:
        languages = data["languages"]
        if (
            not isinstance(languages, list)
            or not languages
            or any(code not in LANGUAGES for code in languages)
            or len(set(languages)) != len(languages)
        ):
            raise InvalidInput(
                f"{shown}: field 'languages' must list distinct codes from {', '.join(LANGUAGES)}"
            )
        plan.languages = list(languages)
    if "approvals" in data:
        approvals = data["approvals"]
        if isinstance(approvals, bool) or not isinstance(approvals, int) or not 1 <= approvals <= 9:
            raise InvalidInput(f"{shown}: field 'approvals' must be a whole number from 1 to 9")
        plan.approvals_required = approvals
    plan.settings_file = shown
    if "prevailing_language" in data:
        prevailing = data["prevailing_language"]
        if not isinstance(prevailing, str) or prevailing not in LANGUAGES:
            raise InvalidInput(
                f"{shown}: field 'prevailing_language' must be one of {', '.join(LANGUAGES)}"
            )
        plan.prevailing_language = prevailing
    if "review_interval_months" in data:
        months = data["review_interval_months"]
        if (
            isinstance(months, bool)
            or not isinstance(months, int)
            or not 1 <= months <= MAX_REVIEW_MONTHS
        ):
            raise InvalidInput(
                f"{shown}: field 'review_interval_months' must be a whole number of months "
                f"from 1 to {MAX_REVIEW_MONTHS}"
            )
        plan.review_interval_months = months
    _apply_reading_settings(data, shown, plan)
    for chapter in plan.chapters:
        if chapter.header.language not in plan.languages:
            raise InvalidInput(
                f"{chapter.path.relative_to(content_dir)}: front matter field 'language' is "
                f"'{chapter.header.language}', not one of the document's languages"
            )


def _apply_reading_settings(data: dict[str, Any], shown: str, plan: DocumentPlan) -> None:
    """`audience`, `acknowledge_within_days` and `acknowledgement_password`: checked for
    shape here; whether the teams and organisations a rule names exist is checked against
    the database when the document is created (`_checked_audiences`)."""
    if "audience" in data:
        audience = parsed_audience(data["audience"], f"{shown}: field 'audience'")
        chapters = {chapter.header.id for chapter in plan.chapters}
        for index, rule in enumerate(audience.rules, start=1):
            for chapter in rule.chapters:
                if chapter not in chapters:
                    raise InvalidInput(
                        f"{shown}: field 'audience' rule {index}: chapter '{chapter}' is not "
                        f"a chapter of '{plan.slug}'"
                    )
        if audience.rules and plan.kind != "sop":
            raise InvalidInput(f"{shown}: field 'audience': only SOPs have an audience")
        plan.audience = audience
    if "acknowledge_within_days" in data:
        days = data["acknowledge_within_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WITHIN_DAYS:
            raise InvalidInput(
                f"{shown}: field 'acknowledge_within_days' must be a whole number of days "
                f"from 1 to {MAX_WITHIN_DAYS}"
            )
        plan.acknowledge_within_days = days
    if "acknowledgement_password" in data:
        password = data["acknowledgement_password"]
        if not isinstance(password, bool):
            raise InvalidInput(f"{shown}: field 'acknowledgement_password' must be true or false")
        plan.acknowledgement_password = password
    if "merge_needs_resolved_threads" in data:
        resolved = data["merge_needs_resolved_threads"]
        if not isinstance(resolved, bool):
            raise InvalidInput(
                f"{shown}: field 'merge_needs_resolved_threads' must be true or false"
            )
        plan.merge_needs_resolved_threads = resolved


def _checked_audiences(session: Session, plans: list[DocumentPlan]) -> None:
    """Before anything is written: every audience that this load will apply names teams and
    organisations that exist (a document's file is read again on each `init`, so an
    audience already applied is not checked again)."""
    for plan in plans:
        if plan.audience is None or plan.audience.everyone:
            continue
        document = session.exec(select(Document).where(Document.slug == plan.slug)).one_or_none()
        if document is not None and document.audience:
            continue
        try:
            checked_audience(session, plan.audience, f"{plan.settings_file}: field 'audience'")
        except InvalidInput as error:
            raise InvalidInput(
                f"{error.detail}: add it first (`sop-platform organisation add`, `team add`), "
                "then run init again; init loads nothing until then"
            ) from None


def _settings_of_existing(
    session: Session, document: Document, plan: DocumentPlan, report: LoadReport
) -> None:
    """A document loaded before `prevailing_language` existed gets the one its file names
    (once, audited); any other difference from document.yaml is reported, not applied."""
    given = plan.prevailing_language
    if given and not document.prevailing_language and given != document.default_language():
        document.prevailing_language = given
        session.add(document)
        session.flush()
        audit.record_policy_change(
            session,
            actor=LOADER,
            document=plan.slug,
            setting="prevailing_language",
            before="",
            after=given,
        )
        report.notices.append(
            f"{plan.settings_file}: prevailing language of '{plan.slug}' set to {given}"
        )
    elif given and given != document.prevailing():
        report.notices.append(
            f"{plan.settings_file}: field 'prevailing_language' is '{given}' but "
            f"'{plan.slug}' prevails in '{document.prevailing()}' in the database; not changed"
        )
    months = plan.review_interval_months
    if months is not None and months != document.review_interval_months:
        report.notices.append(
            f"{plan.settings_file}: field 'review_interval_months' is {months} but "
            f"'{plan.slug}' has {document.review_interval_months} in the database; not changed"
        )
    _reading_settings_of_existing(session, document, plan, report)


def _reading_settings_of_existing(
    session: Session, document: Document, plan: DocumentPlan, report: LoadReport
) -> None:
    """A document loaded before it had an audience gets the one its file gives (once,
    audited); other differences are reported, not applied."""
    audience = plan.audience
    if audience is not None and not audience.everyone:
        if not document.audience:
            set_audience(session, document, audience, actor=LOADER)
            report.notices.append(
                f"{plan.settings_file}: audience of '{plan.slug}' set from the file "
                f"({len(audience.rules)} rules)"
            )
        elif stored_audience(audience) != document.audience:
            report.notices.append(
                f"{plan.settings_file}: field 'audience' differs from the audience of "
                f"'{plan.slug}' in the database; not changed"
            )
    days = plan.acknowledge_within_days
    if days is not None and days != document.acknowledge_within_days:
        report.notices.append(
            f"{plan.settings_file}: field 'acknowledge_within_days' is {days} but "
            f"'{plan.slug}' has {document.acknowledge_within_days} in the database; not changed"
        )
    password = plan.acknowledgement_password
    if password is not None and password != document.acknowledgement_password:
        shown = "true" if document.acknowledgement_password else "false"
        report.notices.append(
            f"{plan.settings_file}: field 'acknowledgement_password' is "
            f"{'true' if password else 'false'} but '{plan.slug}' has {shown} in the "
            "database; not changed"
        )
    resolved = plan.merge_needs_resolved_threads
    if resolved is not None and resolved != document.merge_needs_resolved_threads:
        report.notices.append(
            f"{plan.settings_file}: field 'merge_needs_resolved_threads' is "
            f"{'true' if resolved else 'false'} but '{plan.slug}' has "
            f"{'true' if document.merge_needs_resolved_threads else 'false'} in the "
            "database; not changed"
        )


def load_content(
    session: Session,
    content_dir: Path,
    *,
    today: date | None = None,
    on_chapter: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load what is new under `content_dir`; issue edition 1 of each new SOP document."""
    report = LoadReport()
    plans = planned_documents(content_dir)
    _checked_audiences(session, plans)
    for plan in plans:
        document = session.exec(select(Document).where(Document.slug == plan.slug)).one_or_none()
        if document is None:
            document = Document(
                slug=plan.slug,
                kind=plan.kind,
                title=plan.title,
                languages=",".join(plan.languages),
                approvals_required=plan.approvals_required,
                prevailing_language=plan.prevailing(),
                review_interval_months=plan.review_interval(),
                audience=stored_audience(plan.audience) if plan.audience else "",
                acknowledge_within_days=plan.acknowledge_within_days or DEFAULT_WITHIN_DAYS,
                acknowledgement_password=bool(plan.acknowledgement_password),
                merge_needs_resolved_threads=bool(plan.merge_needs_resolved_threads),
            )
            session.add(document)
            session.flush()
            report.documents_created.append(plan.slug)
            audit.record(
                session,
                actor=LOADER,
                action="document.created",
                object=f"document:{plan.slug}",
                details={
                    "kind": plan.kind,
                    "title": plan.title,
                    "languages": plan.languages,
                    "prevailing_language": document.prevailing_language,
                    "review_interval_months": document.review_interval_months,
                    "audience": document.audience,
                    "acknowledge_within_days": document.acknowledge_within_days,
                    "acknowledgement_password": document.acknowledgement_password,
                    "merge_needs_resolved_threads": document.merge_needs_resolved_threads,
                },
            )
        elif document.kind != plan.kind:
            raise InvalidInput(
                f"document '{plan.slug}' is of kind '{document.kind}' in the database, "
                f"but its files are under {plan.kind}s/"
            )
        else:
            _settings_of_existing(session, document, plan, report)
        existing = {
            (chapter.slug, chapter.language): chapter
            for chapter in session.exec(select(Chapter).where(Chapter.document_id == document.id))
        }
        created_here = plan.slug in report.documents_created
        # Sources before their translations: a translation loaded with its source matches
        # the revision of the source loaded with it.
        loaded_now: dict[tuple[str, str], int] = {}
        for chapter_file in sorted(
            plan.chapters, key=lambda f: f.header.translation_of is not None
        ):
            shown = str(chapter_file.path.relative_to(content_dir))
            header = chapter_file.header
            stored = existing.get((header.id, header.language))
            if stored is not None:
                report.chapters_unchanged += 1
                assert stored.id is not None
                head = revision_row(session, stored.id, stored.head_revision)
                if head.sha256 != sha256_hex(chapter_file.text.encode("utf-8")):
                    report.notices.append(
                        f"{shown}: differs from revision {head.number} in the database and "
                        "was not loaded; stored chapters change only through review"
                    )
            elif created_here:
                chapter, revision = create_chapter(
                    session,
                    document,
                    chapter_file.text,
                    author=LOADER,
                    message=f"Loaded from {shown}",
                    source=shown,
                    written_with=loaded_now.get((header.id, header.translation_of or "")),
                )
                loaded_now[(chapter.slug, chapter.language)] = revision.number
                audit.record(
                    session,
                    actor=LOADER,
                    action="chapter.loaded",
                    object=f"chapter:{plan.slug}/{chapter.slug}/{chapter.language}",
                    after=revision.sha256,
                    details={"revision": revision.number, "file": shown},
                )
                report.chapters_loaded += 1
            else:
                report.notices.append(
                    f"{shown}: not loaded, '{plan.slug}' already exists; "
                    "new chapters enter through a change request or an import"
                )
            if on_chapter is not None:
                on_chapter(shown)
        if document.kind == "sop" and not editions_of(session, document):
            edition = issue_edition(
                session,
                document,
                title="Edition 1",
                effective_date=today or utc_today(),
                issued_by=LOADER,
                today=today,
            )
            report.editions_issued.append(f"{plan.slug} edition {edition.number}")
    return report


def chapter_files_count(content_dir: Path) -> int:
    """How many chapter files a load will look at (for progress bars)."""
    return sum(
        1
        for folder in KIND_OF_FOLDER
        if (content_dir / folder).is_dir()
        for _ in (content_dir / folder).rglob("*.md")
    )

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, func, select

from sop_platform.core.audience import audience_of, parsed_audience
from sop_platform.core.chapters import chapter_by_slug, chapters_of, document_by_slug
from sop_platform.core.content_loader import load_content
from sop_platform.core.database import Database
from sop_platform.core.editions import current_edition, edition_revisions
from sop_platform.core.errors import InvalidInput
from sop_platform.core.models import AuditEvent, Chapter, Document, Edition, Revision
from sop_platform.core.teams import add_organisation, add_team

RELATIONS = {"adopts", "adapts", "stricter", "deviates", "national"}


def _counts(session: Session) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.exec(select(func.count()).select_from(table)).one()
        for table in (Document, Chapter, Revision, Edition)
    )


def test_the_seed_content_loads_as_revision_one_with_edition_one(session: Session, content_dir):
    report = load_content(session, content_dir, today=date(2026, 1, 15))

    sop = document_by_slug(session, "anama-sop")
    english = chapters_of(session, sop, "en")
    azerbaijani = chapters_of(session, sop, "az")
    edition = current_edition(session, sop, today=date(2026, 1, 15))
    assert report.documents_created == ["imas", "anama-sop"]
    assert len(english) >= 9 and len(azerbaijani) >= 3
    assert all(c.translation_of == "en" for c in azerbaijani)
    assert all(c.head_revision == 1 for c in english + azerbaijani)
    assert (edition.number, edition.effective_date) == (1, date(2026, 1, 15))
    assert len(edition_revisions(session, edition)) == len(english) + len(azerbaijani)


def test_standards_are_paraphrases_and_get_no_edition(session: Session, content_dir):
    load_content(session, content_dir)

    imas = document_by_slug(session, "imas")
    chapters = chapters_of(session, imas)
    assert imas.kind == "standard"
    assert len(chapters) >= 5
    assert session.exec(select(Edition).where(Edition.document_id == imas.id)).first() is None


def test_the_seed_uses_every_clause_relation(content_dir: Path):
    text = "".join(p.read_text("utf-8") for p in (content_dir / "sops").rglob("*.md"))

    used = set(re.findall(r"relation=(\w+)", text))
    assert used >= RELATIONS - {"national"}
    assert re.search(r"relation=deviates justification=\"[^\"]+\"", text)


def test_every_standard_says_it_is_a_paraphrase(content_dir: Path):
    for path in (content_dir / "standards").rglob("*.md"):
        text = path.read_text("utf-8")
        assert "paraphrase: true" in text
        assert "Paraphrase" in text.split("---", 2)[2].strip().splitlines()[0]


def test_the_seed_sop_prevails_in_azerbaijani_and_is_reviewed_every_three_years(
    session: Session, content_dir: Path
) -> None:
    load_content(session, content_dir)

    sop = document_by_slug(session, "anama-sop")
    imas = document_by_slug(session, "imas")
    assert sop.language_list() == ["en", "az"]
    assert (sop.prevailing_language, sop.prevailing()) == ("az", "az")
    assert sop.review_interval_months == 36
    # Without the fields: the first language prevails, and three years between reviews.
    assert (imas.prevailing_language, imas.review_interval_months) == ("en", 36)


def test_document_settings_are_read_from_document_yaml(
    session: Session, tmp_path: Path, content_dir: Path
) -> None:
    changed = _broken_copy(
        content_dir,
        tmp_path,
        "anama-sop/document.yaml",
        "prevailing_language: az\n",
        "prevailing_language: en\n",
    )
    yaml_file = changed / "sops" / "anama-sop" / "document.yaml"
    yaml_file.write_text(
        yaml_file.read_text("utf-8").replace(
            "review_interval_months: 36", "review_interval_months: 24"
        ),
        "utf-8",
    )

    load_content(session, changed)

    sop = document_by_slug(session, "anama-sop")
    assert (sop.prevailing_language, sop.review_interval_months) == ("en", 24)


def test_without_the_fields_the_first_language_prevails(
    session: Session, tmp_path: Path, content_dir: Path
) -> None:
    plain = _broken_copy(
        content_dir,
        tmp_path,
        "anama-sop/document.yaml",
        "languages: [en, az]",
        "languages: [az, en]",
    )
    yaml_file = plain / "sops" / "anama-sop" / "document.yaml"
    kept = [
        line
        for line in yaml_file.read_text("utf-8").splitlines()
        if not line.startswith(("prevailing_language", "review_interval_months"))
    ]
    yaml_file.write_text("\n".join(kept) + "\n", "utf-8")

    load_content(session, plain)

    sop = document_by_slug(session, "anama-sop")
    assert (sop.prevailing(), sop.review_interval_months) == ("az", 36)


def test_a_document_loaded_before_it_had_a_prevailing_language_gets_it_once(
    session: Session, content_dir: Path
) -> None:
    load_content(session, content_dir)
    sop = document_by_slug(session, "anama-sop")
    sop.prevailing_language = ""  # as migration 0007 leaves a document loaded before it
    session.add(sop)
    session.flush()
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()

    report = load_content(session, content_dir)
    again = load_content(session, content_dir)

    assert document_by_slug(session, "anama-sop").prevailing() == "az"
    [event] = session.exec(select(AuditEvent).where(AuditEvent.seq > events)).all()
    assert (event.action, event.object, event.actor) == (
        "policy.changed",
        "document:anama-sop",
        "sop-platform init",
    )
    assert json.loads(event.details) == {"prevailing_language": {"before": "", "after": "az"}}
    assert any("prevailing language of 'anama-sop' set to az" in n for n in report.notices)
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events + 1
    assert not any("prevailing" in notice for notice in again.notices)


def test_settings_that_differ_from_the_database_are_reported_not_applied(
    session: Session, tmp_path: Path, content_dir: Path
) -> None:
    load_content(session, content_dir)
    changed = _broken_copy(
        content_dir,
        tmp_path,
        "anama-sop/document.yaml",
        "review_interval_months: 36",
        "review_interval_months: 12\nprevailing_language: en",
    )
    yaml_file = changed / "sops" / "anama-sop" / "document.yaml"
    yaml_file.write_text(
        yaml_file.read_text("utf-8").replace("prevailing_language: az\n", "", 1), "utf-8"
    )

    report = load_content(session, changed)

    sop = document_by_slug(session, "anama-sop")
    assert (sop.prevailing(), sop.review_interval_months) == ("az", 36)
    assert any(
        "field 'review_interval_months' is 12" in n and "not changed" in n for n in report.notices
    )
    assert any(
        "field 'prevailing_language' is 'en'" in n and "not changed" in n for n in report.notices
    )


def test_loading_twice_changes_nothing(session: Session, content_dir):
    load_content(session, content_dir)
    before = _counts(session)

    report = load_content(session, content_dir)

    assert _counts(session) == before
    assert report.chapters_loaded == 0
    assert report.editions_issued == []


def _broken_copy(content_dir: Path, tmp_path: Path, pattern: str, old: str, new: str) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(content_dir, copy)
    victim = sorted(copy.rglob(pattern))[0]
    text = victim.read_text("utf-8")
    assert old in text
    victim.write_text(text.replace(old, new, 1), "utf-8")
    return copy


@pytest.mark.parametrize(
    ("pattern", "old", "new", "message"),
    [
        (
            "en/*-eod.md",
            "language: en",
            "language: english",
            "eod.md: front matter field 'language'",
        ),
        ("en/*-eod.md", "number: 7", "number: 4", "eod.md: front matter field 'number' repeats 4"),
        ("az/*-general.md", "id: general", "id: generals", "field 'translation_of' names 'en'"),
        ("anama-sop/document.yaml", "approvals: 2", "aprovals: 2", "unknown field 'aprovals'"),
        ("anama-sop/document.yaml", "approvals: 2", "approvals: two", "field 'approvals'"),
        (
            "anama-sop/document.yaml",
            "prevailing_language: az",
            "prevailing_language: fr",
            "anama-sop/document.yaml: field 'prevailing_language' must be one of az, en",
        ),
        (
            "anama-sop/document.yaml",
            "prevailing_language: az",
            "prevailing_language: [az]",
            "anama-sop/document.yaml: field 'prevailing_language' must be one of az, en",
        ),
        (
            "imas/document.yaml",
            "languages: [en]",
            "languages: [en]\nprevailing_language: az",
            "imas/document.yaml: field 'prevailing_language' is 'az', "
            "not one of the document's languages (en)",
        ),
        (
            "anama-sop/document.yaml",
            "review_interval_months: 36",
            "review_interval_months: 0",
            "anama-sop/document.yaml: field 'review_interval_months' must be a whole number",
        ),
        (
            "anama-sop/document.yaml",
            "review_interval_months: 36",
            "review_interval_months: three years",
            "anama-sop/document.yaml: field 'review_interval_months' must be a whole number",
        ),
        (
            "anama-sop/document.yaml",
            "review_interval_months: 36",
            "review_interval_months: true",
            "anama-sop/document.yaml: field 'review_interval_months' must be a whole number",
        ),
        (
            "anama-sop/document.yaml",
            "acknowledge_within_days: 14",
            "acknowledge_within_days: 0",
            "anama-sop/document.yaml: field 'acknowledge_within_days' must be a whole number",
        ),
        (
            "anama-sop/document.yaml",
            "acknowledge_within_days: 14",
            "acknowledge_within_days: two weeks",
            "anama-sop/document.yaml: field 'acknowledge_within_days' must be a whole number",
        ),
        (
            "anama-sop/document.yaml",
            "acknowledgement_password: false",
            "acknowledgement_password: maybe",
            "anama-sop/document.yaml: field 'acknowledgement_password' must be true or false",
        ),
        (
            "anama-sop/document.yaml",
            "approvals: 2",
            "approvals: 2\naudience: everyone",
            "anama-sop/document.yaml: field 'audience': must be a list of rules",
        ),
        (
            "anama-sop/document.yaml",
            "approvals: 2",
            "approvals: 2\naudience: [{teams: [a], squads: [b]}]",
            "anama-sop/document.yaml: field 'audience' rule 1: unknown field 'squads'",
        ),
        (
            "anama-sop/document.yaml",
            "approvals: 2",
            "approvals: 2\naudience: [{roles: [reader]}, {roles: [deminer]}]",
            "anama-sop/document.yaml: field 'audience' rule 2: role 'deminer' is not one of",
        ),
        (
            "anama-sop/document.yaml",
            "approvals: 2",
            "approvals: 2\naudience: [{chapters: [eod, mine-risk]}]",
            "field 'audience' rule 1: chapter 'mine-risk' is not a chapter of 'anama-sop'",
        ),
        (
            "anama-sop/document.yaml",
            "approvals: 2",
            "approvals: 2\naudience: [{teams: [mag-mc-3]}]",
            "anama-sop/document.yaml: field 'audience' rule 1: team 'mag-mc-3' does not exist",
        ),
        (
            "anama-sop/document.yaml",
            "approvals: 2",
            "approvals: 2\naudience: [{organisations: [halo]}]",
            "field 'audience' rule 1: organisation 'HALO' does not exist: add it first",
        ),
    ],
)
def test_a_bad_file_names_itself_and_loads_nothing(
    database: Database, content_dir: Path, tmp_path: Path, pattern, old, new, message
):
    broken = _broken_copy(content_dir, tmp_path, pattern, old, new)

    with pytest.raises(InvalidInput) as error, database.session(write=True) as session:
        load_content(session, broken)

    assert message in error.value.detail
    with database.session(write=False) as session:
        assert _counts(session) == (0, 0, 0, 0)


def test_a_chapter_added_later_is_not_loaded_behind_reviews_back(
    session: Session, tmp_path: Path, content_dir: Path
):
    load_content(session, content_dir)
    extra = tmp_path / "content"
    shutil.copytree(content_dir, extra)
    source = next(iter(sorted((extra / "sops").rglob("en/*-eod.md"))))
    (source.parent / "99-new.md").write_text(
        source.read_text("utf-8")
        .replace("id: eod", "id: new-chapter")
        .replace("number: 7", "number: 10"),
        "utf-8",
    )

    report = load_content(session, extra)

    assert any("99-new.md: not loaded" in notice for notice in report.notices)
    with pytest.raises(Exception, match="does not exist"):
        chapter_by_slug(session, document_by_slug(session, "anama-sop"), "new-chapter")


def test_an_edited_file_is_reported_not_loaded(session: Session, tmp_path: Path, content_dir):
    load_content(session, content_dir)
    edited = tmp_path / "content"
    shutil.copytree(content_dir, edited)
    victim = sorted((edited / "sops").rglob("*-eod.md"))[0]
    victim.write_text(victim.read_text("utf-8") + "\nAn unreviewed sentence.\n", "utf-8")

    report = load_content(session, edited)

    assert any("eod.md: differs from revision 1" in notice for notice in report.notices)
    eod = chapter_by_slug(session, document_by_slug(session, "anama-sop"), "eod")
    assert eod.head_revision == 1


AUDIENCE = """audience:
  - organisations: [MAG]
  - chapters: [eod]
    teams: [anama-eod-1]
    roles: [approver]
"""


def _with_reading_settings(content_dir: Path, tmp_path: Path, audience: str = AUDIENCE) -> Path:
    changed = _broken_copy(
        content_dir,
        tmp_path,
        "anama-sop/document.yaml",
        "acknowledge_within_days: 14\nacknowledgement_password: false",
        "acknowledge_within_days: 30\nacknowledgement_password: true",
    )
    yaml_file = changed / "sops" / "anama-sop" / "document.yaml"
    yaml_file.write_text(yaml_file.read_text("utf-8") + audience, "utf-8")
    return changed


def _teams(session: Session) -> None:
    add_organisation(session, "ANAMA", name="Azerbaijan National Agency for Mine Action", actor="t")
    add_organisation(session, "MAG", name="Mines Advisory Group", actor="t")
    add_team(session, "anama-eod-1", name="ANAMA EOD team 1", organisation="ANAMA", actor="t")


def test_the_seed_gives_everyone_fourteen_days_without_a_password(
    session: Session, content_dir: Path
) -> None:
    load_content(session, content_dir)

    sop = document_by_slug(session, "anama-sop")
    assert (sop.audience, sop.acknowledge_within_days, sop.acknowledgement_password) == (
        "",
        14,
        False,
    )


def test_audience_and_acknowledgement_policy_are_read_when_the_document_is_created(
    session: Session, content_dir: Path, tmp_path: Path
) -> None:
    _teams(session)

    load_content(session, _with_reading_settings(content_dir, tmp_path))

    sop = document_by_slug(session, "anama-sop")
    assert audience_of(sop) == parsed_audience(yaml.safe_load(AUDIENCE)["audience"])
    assert (sop.acknowledge_within_days, sop.acknowledgement_password) == (30, True)
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "document.created")).all()
    details = json.loads(
        next(event for event in created if event.object == "document:anama-sop").details
    )
    assert details["acknowledge_within_days"] == 30
    assert json.loads(details["audience"])[0] == {"organisations": ["MAG"]}


def test_an_audience_is_applied_once_to_a_document_without_one_and_other_changes_reported(
    session: Session, content_dir: Path, tmp_path: Path
) -> None:
    load_content(session, content_dir)
    _teams(session)
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    changed = _with_reading_settings(content_dir, tmp_path)

    report = load_content(session, changed)
    again = load_content(session, changed)

    sop = document_by_slug(session, "anama-sop")
    assert audience_of(sop).rules[1].teams == ("anama-eod-1",)
    [event] = session.exec(select(AuditEvent).where(AuditEvent.seq > events)).all()
    assert (event.action, event.actor) == ("policy.changed", "sop-platform init")
    assert "audience" in json.loads(event.details)
    assert any("audience of 'anama-sop' set from the file (2 rules)" in n for n in report.notices)
    assert not any("set from the file" in n for n in again.notices)
    assert (sop.acknowledge_within_days, sop.acknowledgement_password) == (14, False)
    assert any(
        "field 'acknowledge_within_days' is 30" in n and "not changed" in n for n in again.notices
    )
    assert any(
        "field 'acknowledgement_password' is true" in n and "not changed" in n
        for n in again.notices
    )
    other = _with_reading_settings(
        content_dir, tmp_path / "other", "audience:\n  - roles: [approver]\n"
    )
    differs = load_content(session, other)
    assert any("field 'audience' differs" in n for n in differs.notices)
    assert audience_of(document_by_slug(session, "anama-sop")).rules[1].teams == ("anama-eod-1",)

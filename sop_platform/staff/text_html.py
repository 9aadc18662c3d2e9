"""HTML for the staff application's views of texts that are not published: a head, a
proposed text, the editor's preview. Pure functions: text and targets in, HTML out, with
the same renderer as the published site (numbered clauses, mapping badges, references)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from sop_platform.core.translations import OutdatedClause
from sop_platform.render.markdown import (
    OutdatedMark,
    Target,
    clause_html,
    finish_body,
    own_targets,
)
from sop_platform.render.outlines import OutlineCache, outline_of
from sop_platform.render.site_text import catalogue, said


def chapter_html(
    text: str,
    slug: str,
    language: str,
    elsewhere: Mapping[tuple[str, str], Target],
    outdated: Mapping[str, OutdatedMark] | None = None,
    cache: OutlineCache | None = None,
) -> str:
    """A chapter's whole text as the site would render its body. `elsewhere` holds the
    clauses of other chapters that references may lead to; a reference to anything else
    shows 'reference not found', as it would on the site. `outdated`: the marks of a
    translation's outdated clauses, by anchor."""
    outline = outline_of(text, cache)
    targets = {**elsewhere, **own_targets(slug, outline.clauses)}
    body = finish_body(outline.body, targets, None, catalogue(language), outdated)
    # Staff see images of texts not yet issued, which the public /media/ does not serve.
    return body.replace(' src="/media/', ' src="/api/v1/media/')


def targets_of(
    heads: Mapping[str, str], href: str, language: str, cache: OutlineCache | None = None
) -> dict[tuple[str, str], Target]:
    """The clauses of the chapters in `heads` (slug → text) as reference targets; `href` is
    a format with `{slug}` and `{anchor}` for where each one leads."""
    found: dict[tuple[str, str], Target] = {}
    for slug, text in heads.items():
        for clause in outline_of(text, cache).clauses:
            address = href.format(slug=slug, anchor=clause.anchor, language=language)
            found[(slug, clause.anchor)] = Target(clause.number, clause.title, address)
    return found


def outdated_notice(clause: OutdatedClause, language: str, proposed: bool = False) -> str:
    """What staff reading in `language` are told of an outdated translated clause, naming
    source revisions; `proposed`: the source text compared with is the one a change request
    proposes (not yet a revision)."""
    words = catalogue(language)
    values: dict[str, object] = {
        "source": words.get(f"lang_adj_{clause.source_language}", clause.source_language),
        "target": words.get(f"lang_adj_{clause.language}", clause.language),
        "follows": clause.matched_source_revision,
        "now": clause.source_revision,
        "number": clause.number,
        "title": clause.title,
    }
    if clause.missing:
        key = "clause_missing_proposed" if proposed else "clause_missing_revision"
    elif not clause.source_text:
        key = "clause_dropped_revision"
    elif proposed:
        key = "clause_outdated_proposed"
    elif clause.matched_source_revision is None:
        key = "clause_outdated_unknown"
    else:
        key = "clause_outdated_revision"
    return said(language, key, **values)


@dataclass(frozen=True)
class UpdateButton:
    """A button under an outdated clause that submits the page's form `form` (which
    carries the CSRF token) with `clause` set to the clause: one click to update it."""

    form: str
    label: str  # with `{number}`: the clause's number

    def html(self, anchor: str, number: str) -> str:
        return (
            f'<p class="clause-update"><button type="submit" class="button" '
            f'form="{escape(self.form)}" name="clause" value="{escape(anchor)}">'
            f"{escape(self.label.format(number=number))}</button></p>\n"
        )


@dataclass(frozen=True)
class ActionableMark(OutdatedMark):
    """An outdated clause's mark with its one-click update (`action_html`, escaped)."""

    action_html: str = ""

    def html(self) -> str:
        return super().html() + self.action_html


def outdated_marks(
    clauses: Sequence[OutdatedClause],
    language: str,
    proposed_source: int | None = None,
    missing: bool = False,
    targets: Mapping[tuple[str, str], Target] | None = None,
    update: UpdateButton | None = None,
) -> dict[str, OutdatedMark]:
    """Marks for a translation's outdated clauses (those it has; with `missing`, also the
    source clauses it lacks), in the staff interface's `language`; `proposed_source` is the
    source revision number that stands for a text a change request proposes; `targets`
    resolve the references of the source text shown; `update`, when given, puts the
    button that updates the clause under each mark."""
    marks: dict[str, OutdatedMark] = {}
    for clause in clauses:
        if clause.missing and not missing:
            continue
        proposed = proposed_source is not None and clause.source_revision == proposed_source
        source = catalogue(language).get(
            f"lang_adj_{clause.source_language}", clause.source_language
        )
        marks[clause.anchor] = ActionableMark(
            action_html=update.html(clause.anchor, clause.number) if update else "",
            badge=said(language, "clause_outdated_badge"),
            notice=outdated_notice(clause, language, proposed),
            source_label=said(
                language, "source_proposed" if proposed else "source_now", source=source
            ),
            source_language=clause.source_language,
            source_html=clause_html(clause.source_text, clause.chapter, targets or {}),
        )
    return marks

"""HTML for the staff application's views of texts that are not published: a head, a
proposed text, the editor's preview. Pure functions: text and targets in, HTML out, with
the same renderer as the published site (numbered clauses, mapping badges, references)."""

from __future__ import annotations

from collections.abc import Mapping

from sop_platform.render.markdown import Target, finish_body, own_targets
from sop_platform.render.outlines import outline_of
from sop_platform.render.site_text import catalogue


def chapter_html(
    text: str, slug: str, language: str, elsewhere: Mapping[tuple[str, str], Target]
) -> str:
    """A chapter's whole text as the site would render its body. `elsewhere` holds the
    clauses of other chapters that references may lead to; a reference to anything else
    shows 'reference not found', as it would on the site."""
    outline = outline_of(text)
    targets = {**elsewhere, **own_targets(slug, outline.clauses)}
    body = finish_body(outline.body, targets, None, catalogue(language))
    # Staff see images of texts not yet issued, which the public /media/ does not serve.
    return body.replace(' src="/media/', ' src="/api/v1/media/')


def targets_of(heads: Mapping[str, str], href: str, language: str) -> dict[tuple[str, str], Target]:
    """The clauses of the chapters in `heads` (slug → text) as reference targets; `href` is
    a format with `{slug}` and `{anchor}` for where each one leads."""
    found: dict[tuple[str, str], Target] = {}
    for slug, text in heads.items():
        for clause in outline_of(text).clauses:
            address = href.format(slug=slug, anchor=clause.anchor, language=language)
            found[(slug, clause.anchor)] = Target(clause.number, clause.title, address)
    return found

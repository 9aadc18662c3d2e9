"""The YAML front matter that gives a chapter file its identity, number and title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from sop_platform.core.errors import InvalidInput

LANGUAGES = ("az", "en")
SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]{0,79}$")
_FENCE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]{0,19}$")


@dataclass(frozen=True)
class ChapterHeader:
    """What the front matter says about a chapter."""

    document: str
    id: str
    number: str
    title: str
    language: str
    translation_of: str | None
    extra: dict[str, Any]


def _fail(source: str, field: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{source}: front matter field '{field}' {problem}")


def _text_field(data: dict[str, Any], field: str, source: str) -> str:
    value = data.get(field)
    if value is None:
        raise _fail(source, field, "is missing")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(source, field, "must be a single value")
    text = str(value).strip()
    if not text:
        raise _fail(source, field, "is empty")
    return text


def _language(data: dict[str, Any], field: str, source: str) -> str:
    value = _text_field(data, field, source)
    if value not in LANGUAGES:
        raise _fail(source, field, f"must be one of {', '.join(LANGUAGES)}, not '{value}'")
    return value


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    """The front matter as a mapping, and the Markdown body after it."""
    match = _FENCE.match(text)
    if match is None:
        raise InvalidInput(f"{source}: no front matter (the file must start with a '---' block)")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise InvalidInput(f"{source}: front matter is not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: front matter must be a mapping of fields")
    return data, text[match.end() :]


def chapter_header(text: str, source: str) -> ChapterHeader:
    """Parse and validate the front matter of one chapter file."""
    data, _body = split_front_matter(text, source)
    return header_of(data, source)


def header_of(data: dict[str, Any], source: str) -> ChapterHeader:
    """Validate front matter already parsed (a rendered chapter keeps it)."""
    document = _text_field(data, "document", source)
    if not SLUG.match(document):
        raise _fail(source, "document", "must be lowercase letters, digits, '.' or '-'")
    chapter_id = _text_field(data, "id", source)
    if not SLUG.match(chapter_id):
        raise _fail(source, "id", "must be lowercase letters, digits, '.' or '-'")
    number = _text_field(data, "number", source)
    if not _NUMBER.match(number):
        raise _fail(source, "number", "must be a short number such as 7 or 09.10")
    title = _text_field(data, "title", source)
    if len(title) > 300:
        raise _fail(source, "title", "is longer than 300 characters")
    language = _language(data, "language", source)
    translation_of = None
    if data.get("translation_of") is not None:
        translation_of = _language(data, "translation_of", source)
        if translation_of == language:
            raise _fail(source, "translation_of", "names the chapter's own language")
    known = {"document", "id", "number", "title", "language", "translation_of"}
    extra = {key: value for key, value in data.items() if key not in known}
    return ChapterHeader(document, chapter_id, number, title, language, translation_of, extra)

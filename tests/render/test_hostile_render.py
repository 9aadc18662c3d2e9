"""The hostile-Markdown corpus through the renderer, without a browser: no element or
attribute that runs script or loads another document, no URL outside http, https, mailto
and relative links (read the way a browser reads it), and the text still there as text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser

import pytest

from sop_platform.render.markdown import html_of
from tests.render.hostile_payloads import PAYLOADS, Payload

FORBIDDEN_ELEMENTS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "meta",
    "link",
    "form",
    "svg",
    "math",
    "style",
}
FORBIDDEN_ATTRIBUTES = {"style", "srcdoc", "formaction"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "xlink:href",
    "formaction",
    "poster",
    "background",
    "data",
    "codebase",
    "dynsrc",
    "lowsrc",
}
ALLOWED_SCHEMES = {None, "http", "https", "mailto"}

# What the URL parser does before it looks for a scheme: C0 controls and spaces stripped
# from both ends, tabs and newlines removed everywhere.
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_WHITESPACE = re.compile(r"\s+")


def scheme_of(url: str) -> str | None:
    """The scheme a browser sees in an attribute value (entities already decoded), lower
    case; None for a relative URL."""
    cleaned = _TAB_OR_NEWLINE.sub("", url.strip(_C0_AND_SPACE))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def squeezed(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


@dataclass
class Audit(HTMLParser):
    """Elements, attributes and text of an HTML fragment, as `html.parser` reads them
    (entities in text and attribute values decoded)."""

    elements: list[str] = field(default_factory=list)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def forbidden_elements(self) -> list[str]:
        return [tag for tag in self.elements if tag in FORBIDDEN_ELEMENTS]

    def forbidden_attributes(self) -> list[str]:
        return [
            f"<{tag} {name}={value!r}>"
            for tag, name, value in self.attributes
            if name.startswith("on") or name in FORBIDDEN_ATTRIBUTES
        ]

    def foreign_urls(self) -> list[str]:
        return [
            f"<{tag} {name}={value!r}>"
            for tag, name, value in self.attributes
            if name in URL_ATTRIBUTES and scheme_of(value) not in ALLOWED_SCHEMES
        ]

    def text_content(self) -> str:
        return squeezed("".join(self.text))


def audit(html: str) -> Audit:
    parsed = Audit()
    parsed.feed(html)
    parsed.close()
    return parsed


@cache
def rendered(payload: Payload) -> Audit:
    return audit(html_of(payload.markdown))


def by_name(payload: Payload) -> str:
    return payload.name


def test_the_corpus_holds_at_least_120_payloads_with_distinct_names():
    names = [payload.name for payload in PAYLOADS]

    assert len(names) >= 120
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("payload", PAYLOADS, ids=by_name)
def test_no_element_that_runs_script_or_loads_a_document(payload: Payload):
    assert rendered(payload).forbidden_elements() == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=by_name)
def test_no_event_handler_style_or_srcdoc_attribute(payload: Payload):
    assert rendered(payload).forbidden_attributes() == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=by_name)
def test_every_url_is_http_https_mailto_or_relative(payload: Payload):
    assert rendered(payload).foreign_urls() == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=by_name)
def test_the_text_stays_visible_as_text(payload: Payload):
    assert squeezed(payload.visible) in rendered(payload).text_content()


# The checks above are only as good as the browser's reading of a URL that they imitate.
@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("javascript:alert(1)", "javascript"),
        ("  JavaScript:alert(1)", "javascript"),
        ("\x01\x00javascript:alert(1)", "javascript"),
        ("jav\tas\ncript:alert(1)", "javascript"),
        ("data:text/html,x", "data"),
        ("vbscript:x", "vbscript"),
        ("https://example.org/", "https"),
        ("mailto:qa@example.org", "mailto"),
        ("#clearance-depth", None),
        ("manual-clearance#scope", None),
        ("//example.org/x", None),
        ("%6Aavascript:alert(1)", None),
        ("java%09script:alert(1)", None),
        ("javascript%3Aalert(1)", None),
    ],
)
def test_a_url_scheme_is_read_as_a_browser_reads_it(url: str, scheme: str | None):
    assert scheme_of(url) == scheme


def test_the_audit_finds_what_an_unsafe_renderer_lets_through():
    found = audit(
        '<p><a href="jav&#x09;ascript:alert(1)" onclick="x">a</a>'
        '<img src=" &#106;avascript:alert(1)" style="x"><svg></svg></p>'
    )

    assert found.forbidden_elements() == ["svg"]
    assert len(found.forbidden_attributes()) == 2
    assert len(found.foreign_urls()) == 2


# `html_of` also takes a whole chapter file, whose front matter is not validated there (a
# preview of an unsaved text): its fields must not reach the HTML unescaped either.
HOSTILE_FRONT_MATTER = (
    "---\n"
    'id: "x--><img src=x onerror=alert(1)><!--"\n'
    'number: "1<script>alert(1)</script>"\n'
    "---\n\n"
    "## Scope {#scope}\n\n"
    "See [the scope](#scope) and [clearance](manual-clearance#depth).\n"
)


def test_front_matter_fields_cannot_break_out_of_the_rendered_body():
    found = audit(html_of(HOSTILE_FRONT_MATTER))

    assert found.forbidden_elements() + found.forbidden_attributes() == []

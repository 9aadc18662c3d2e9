"""A document's policy settings (approvals, review interval, audience, acknowledgements):
changed one at a time, each change audited as `policy.changed` with before and after."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from sop_platform.core import audit
from sop_platform.core.models import Document


def change_policy(
    session: Session, document: Document, setting: str, value: Any, *, actor: str
) -> bool:
    """Set `document.<setting>` to `value` and audit it; False (nothing written) when it
    already had that value. The caller has checked the value."""
    before = getattr(document, setting)
    if before == value:
        return False
    setattr(document, setting, value)
    session.add(document)
    session.flush()
    audit.record_policy_change(
        session, actor=actor, document=document.slug, setting=setting, before=before, after=value
    )
    return True

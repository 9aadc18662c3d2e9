"""The statement every account signs before its first electronic signature: that the
signature is the legally binding equivalent of its handwritten one (21 CFR 11.100(c)).

The statement names the account, is signed with the account's password, and is kept as an
`ElectronicSignature` (subject `user:<name>`, meaning `attested`, the sha256 of the exact
text, the text itself as its note) and as `User.attested_at`. Until then the account may read
and comment, but `signatures.confirm_signer` refuses every signature.
"""

from __future__ import annotations

from sqlmodel import Session

from sop_platform.core import audit
from sop_platform.core.accounts import sign_in
from sop_platform.core.errors import Conflict, DomainError, Forbidden, TooManyAttempts
from sop_platform.core.hashing import sha256_hex
from sop_platform.core.models import ElectronicSignature, User
from sop_platform.core.signatures import record_signature

MEANING = "attested"

# The statement in each interface language; `{full_name}` and `{username}` name the signer.
STATEMENT = {
    "en": (
        "I, {full_name} (account {username}), certify that my electronic signature on this "
        "platform is the legally binding equivalent of my handwritten signature: every "
        "signature I give here with my password binds me as my handwritten signature would. "
        "(21 CFR 11.100(c))"
    ),
    "az": (
        "Mən, {full_name} ({username} hesabı), təsdiq edirəm ki, bu platformadakı elektron "
        "imzam əl ilə atdığım imzanın hüquqi qüvvəyə malik ekvivalentidir: burada parolumla "
        "verdiyim hər imza məni əl imzam kimi öhdəlik altına qoyur. (21 CFR 11.100(c))"
    ),
}


def statement_for(user: User, language: str) -> str:
    """The statement `user` signs, in `language` (English for a language we have none in)."""
    template = STATEMENT[language if language in STATEMENT else "en"]
    return template.format(full_name=user.full_name, username=user.username)


def subject_of(user: User) -> str:
    return f"user:{user.username}"


def attest(session: Session, user: User, password: str, language: str) -> ElectronicSignature:
    """`user` signs the statement with their password. A wrong password counts towards the
    sign-in throttle and is audited (purpose "attestation"), and that record outlives the
    refusal; a second attestation is refused."""
    if user.attested_at is not None:
        raise Conflict(
            f"this account signed the statement on {user.attested_at:%Y-%m-%d %H:%M} UTC already"
        )
    outcome = sign_in(session, user.username, password, purpose="attestation")
    if outcome.error is not None:
        refusal: DomainError = outcome.error
        if not isinstance(refusal, TooManyAttempts):
            refusal = Forbidden("the password does not match: the statement was not signed")
        refusal.keep_changes = True
        raise refusal
    return record_attestation(session, user, language)


def record_attestation(session: Session, user: User, language: str = "en") -> ElectronicSignature:
    """Keep `user`'s signed statement (the caller has checked the password: `attest`)."""
    if language not in STATEMENT:
        language = "en"
    text = statement_for(user, language)
    row = record_signature(
        session, user, subject_of(user), MEANING, sha256_hex(text.encode()), text
    )
    user.attested_at = row.signed_at
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="user.attested",
        object=subject_of(user),
        after=row.sha256,
        details={"language": language, "signature": row.id},
    )
    return row

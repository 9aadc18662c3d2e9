from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import jwt
import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from sqlmodel import Session, col, select

from sop_platform.core.account_lifecycle import (
    AccountChange,
    change_account,
    change_own_password,
    reset_password,
)
from sop_platform.core.accounts import (
    THROTTLE_FAILURES,
    THROTTLE_WINDOW,
    TOKEN_ALGORITHM,
    add_user,
    end_credentials,
    issue_token,
    sign_in,
    user_of_token,
)
from sop_platform.core.attestation import attest, record_attestation, statement_for
from sop_platform.core.clock import utc_now
from sop_platform.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotSignedIn,
    TooManyAttempts,
)
from sop_platform.core.models import AuditEvent, ElectronicSignature, SignInFailure
from sop_platform.core.signatures import confirm_signer
from sop_platform.core.web_sessions import open_web_session, web_session_of
from tests.support import PASSWORD, SECRET

# Accounts and their hashes are what is tested here: production's Argon2id parameters.
pytestmark = pytest.mark.usefixtures("production_password_hashing")

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


@pytest.fixture
def leyla(session: Session):
    return add_user(
        session, "leyla", full_name="Leyla Məmmədova", role="approver", password=PASSWORD
    )


def test_passwords_are_stored_as_argon2id_with_owasp_parameters(leyla):
    parameters = extract_parameters(leyla.password_hash)

    assert parameters.type is Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (19456, 2, 1)
    assert PASSWORD not in leyla.password_hash


def test_the_right_password_signs_in(session: Session, leyla):
    outcome = sign_in(session, "leyla", PASSWORD)

    assert outcome.user is leyla
    assert outcome.error is None


def test_a_wrong_password_is_refused(session: Session, leyla):
    outcome = sign_in(session, "leyla", "wrong wrong wrong")

    assert outcome.user is None
    assert isinstance(outcome.error, NotSignedIn)


def test_throttling_starts_at_ten_failures_and_ends_with_the_window(session: Session, leyla):
    start = utc_now()
    for minute in range(THROTTLE_FAILURES):
        sign_in(session, "leyla", "wrong wrong wrong", now=start + timedelta(seconds=minute))

    locked = sign_in(session, "leyla", PASSWORD, now=start + timedelta(minutes=1))
    later = sign_in(session, "leyla", PASSWORD, now=start + THROTTLE_WINDOW + timedelta(seconds=1))

    assert isinstance(locked.error, TooManyAttempts)
    assert 0 < locked.error.retry_after_seconds <= THROTTLE_WINDOW.total_seconds()
    assert later.user is leyla


def test_nine_failures_do_not_lock(session: Session, leyla):
    for _ in range(THROTTLE_FAILURES - 1):
        sign_in(session, "leyla", "wrong wrong wrong")

    assert sign_in(session, "leyla", PASSWORD).user is leyla


@pytest.mark.parametrize(
    ("username", "role", "password", "full_name"),
    [
        ("Bad Name", "reader", PASSWORD, "X"),
        ("ok", "emperor", PASSWORD, "X"),
        ("ok", "reader", "short", "X"),
        ("ok", "reader", PASSWORD, "  "),
    ],
)
def test_bad_accounts_are_refused(session: Session, username, role, password, full_name):
    with pytest.raises(InvalidInput):
        add_user(session, username, full_name=full_name, role=role, password=password)


def test_a_username_is_taken_once(session: Session, leyla):
    with pytest.raises(Conflict):
        add_user(session, "leyla", full_name="Other", role="reader", password=PASSWORD)


# Credentials end at once


def test_a_token_carries_the_accounts_epoch_and_ends_when_it_moves(session: Session, leyla):
    token = issue_token("leyla", SECRET, 5, epoch=leyla.credentials_epoch)
    assert user_of_token(session, token, SECRET) is leyla

    end_credentials(session, leyla)

    with pytest.raises(NotSignedIn, match="sign in again"):
        user_of_token(session, token, SECRET)
    fresh = issue_token("leyla", SECRET, 5, epoch=leyla.credentials_epoch)
    assert user_of_token(session, fresh, SECRET) is leyla


def test_a_token_without_an_epoch_is_not_valid(session: Session, leyla):
    now = utc_now()
    claims = {"sub": "leyla", "iat": now, "exp": now + timedelta(minutes=5)}
    token = jwt.encode(claims, SECRET, algorithm=TOKEN_ALGORITHM)

    with pytest.raises(NotSignedIn, match="not valid"):
        user_of_token(session, token, SECRET)


def test_ending_credentials_keeps_only_the_session_asked_for(session: Session, leyla):
    kept = open_web_session(session, leyla)
    ended = open_web_session(session, leyla)

    count = end_credentials(session, leyla, keep_web_session=kept)

    assert count == 1
    assert web_session_of(session, kept, idle=IDLE, lifetime=LIFETIME)[1] is leyla
    with pytest.raises(NotSignedIn):
        web_session_of(session, ended, idle=IDLE, lifetime=LIFETIME)


# Administrators change accounts


@pytest.fixture
def nigar(session: Session):
    return add_user(session, "nigar", full_name="Nigar Əliyeva", role="admin", password=PASSWORD)


def _actions(session: Session, username: str) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.object == f"user:{username}")
    return list(session.exec(query.order_by(col(AuditEvent.seq))))


def test_each_change_is_audited_and_only_what_differs_is_changed(session: Session, leyla, nigar):
    epoch = leyla.credentials_epoch

    done = change_account(
        session,
        leyla,
        AccountChange(role="reader", full_name="Leyla M.", active=False),
        actor=nigar,
    )
    again = change_account(session, leyla, AccountChange(role="reader", active=False), actor=nigar)

    assert done == ["user.renamed", "user.role_changed", "user.disabled"]
    assert again == []
    assert (leyla.role, leyla.full_name, leyla.active) == ("reader", "Leyla M.", False)
    assert leyla.credentials_epoch == epoch + 2
    assert _actions(session, "leyla")[-3:] == done


def test_a_new_name_ends_nothing(session: Session, leyla, nigar):
    epoch = leyla.credentials_epoch

    change_account(session, leyla, AccountChange(full_name="Leyla Məmmədova-Əliyeva"), actor=None)

    assert leyla.credentials_epoch == epoch


def test_the_last_active_admin_is_never_disabled_or_demoted(session: Session, nigar):
    with pytest.raises(Conflict, match="last active administrator"):
        change_account(session, nigar, AccountChange(active=False), actor=None)
    with pytest.raises(Conflict, match="last active administrator"):
        change_account(session, nigar, AccountChange(role="approver"), actor=None)

    zaur = add_user(session, "zaur", full_name="Zaur", role="admin", password=PASSWORD)
    assert change_account(session, nigar, AccountChange(active=False), actor=zaur)
    assert nigar.active is False


def test_a_disabled_admin_does_not_count_as_another_admin(session: Session, nigar):
    zaur = add_user(session, "zaur", full_name="Zaur", role="admin", password=PASSWORD)
    change_account(session, zaur, AccountChange(active=False), actor=nigar)

    with pytest.raises(Conflict):
        change_account(session, nigar, AccountChange(role="reader"), actor=None)


def test_an_admin_cannot_disable_or_demote_themselves(session: Session, nigar):
    add_user(session, "zaur", full_name="Zaur", role="admin", password=PASSWORD)

    with pytest.raises(Forbidden, match="your own account"):
        change_account(session, nigar, AccountChange(active=False), actor=nigar)
    with pytest.raises(Forbidden, match="your own role"):
        change_account(session, nigar, AccountChange(role="approver"), actor=nigar)
    assert (nigar.role, nigar.active) == ("admin", True)


def test_a_reset_password_is_random_strong_and_must_be_changed(session: Session, leyla, nigar):
    for _ in range(3):
        sign_in(session, "leyla", "wrong wrong wrong")

    first = reset_password(session, leyla, actor=nigar)
    second = reset_password(session, leyla, actor=nigar)

    assert first != second and len(second) >= 20
    assert leyla.must_change_password is True
    assert sign_in(session, "leyla", second).user is leyla
    assert sign_in(session, "leyla", PASSWORD).user is None
    assert session.exec(select(SignInFailure).where(SignInFailure.username == "leyla")).all() != []
    assert _actions(session, "leyla")[-3:-1] == ["user.password_reset", "user.password_reset"]
    assert first not in json.dumps([e.details for e in session.exec(select(AuditEvent))])


def test_a_reset_forgets_earlier_failed_sign_ins(session: Session, leyla, nigar):
    for _ in range(THROTTLE_FAILURES):
        sign_in(session, "leyla", "wrong wrong wrong")

    temporary = reset_password(session, leyla, actor=nigar)

    assert sign_in(session, "leyla", temporary).user is leyla


def test_changing_ones_own_password_clears_the_must_change_mark(session: Session, leyla, nigar):
    temporary = reset_password(session, leyla, actor=nigar)

    change_own_password(session, leyla, temporary, "my very own password")

    assert leyla.must_change_password is False
    assert sign_in(session, "leyla", "my very own password").user is leyla


def test_a_wrong_current_password_is_refused_and_kept_on_record(session: Session, leyla):
    with pytest.raises(Forbidden) as refused:
        change_own_password(session, leyla, "wrong wrong wrong", "my very own password")

    assert refused.value.keep_changes is True
    assert _actions(session, "leyla")[-1] == "auth.failed"
    assert sign_in(session, "leyla", PASSWORD).user is leyla  # unchanged


# The statement behind every signature


def test_the_statement_names_the_account_in_both_languages(leyla):
    for language in ("en", "az"):
        text = statement_for(leyla, language)
        assert "Leyla Məmmədova" in text and "leyla" in text and "21 CFR 11.100(c)" in text
    assert statement_for(leyla, "en") != statement_for(leyla, "az")
    assert statement_for(leyla, "fr") == statement_for(leyla, "en")


def test_an_attestation_keeps_the_statement_its_hash_and_the_time(session: Session, leyla):
    row = attest(session, leyla, PASSWORD, "az")

    assert (row.subject, row.meaning, row.username) == ("user:leyla", "attested", "leyla")
    assert row.note == statement_for(leyla, "az")
    assert row.sha256 == hashlib.sha256(row.note.encode()).hexdigest()
    assert leyla.attested_at == row.signed_at
    assert _actions(session, "leyla")[-1] == "user.attested"
    with pytest.raises(Conflict):
        attest(session, leyla, PASSWORD, "en")


def test_an_attestation_with_a_wrong_password_is_refused_and_kept_on_record(
    session: Session, leyla
):
    with pytest.raises(Forbidden) as refused:
        attest(session, leyla, "wrong wrong wrong", "en")

    assert refused.value.keep_changes is True
    assert leyla.attested_at is None
    assert session.exec(select(ElectronicSignature)).all() == []


def test_no_signature_before_the_statement_and_the_password_is_not_even_tried(
    session: Session, leyla
):
    with pytest.raises(Forbidden, match="statement"):
        confirm_signer(session, leyla, "wrong wrong wrong", "cr:1", "approval")

    assert session.exec(select(SignInFailure)).all() == []
    record_attestation(session, leyla)
    confirm_signer(session, leyla, PASSWORD, "cr:1", "approval")  # now it signs

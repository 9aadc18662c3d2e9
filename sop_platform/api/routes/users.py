"""Accounts, managed by administrators."""

from __future__ import annotations

from fastapi import APIRouter

from sop_platform.api.deps import Admin, SessionDep
from sop_platform.api.schemas import UserCreate, UserOut
from sop_platform.core.accounts import add_user, all_users

router = APIRouter(prefix="/api/v1/users", tags=["accounts"])


@router.get("")
def list_users(session: SessionDep, _admin: Admin) -> list[UserOut]:
    """Every account with its role."""
    return [UserOut.model_validate(user) for user in all_users(session)]


@router.post("", status_code=201)
def create_user(body: UserCreate, session: SessionDep, admin: Admin) -> UserOut:
    """Add an account; the password is stored only as an Argon2id hash."""
    user = add_user(
        session,
        body.username,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
        actor=admin.username,
    )
    return UserOut.model_validate(user)

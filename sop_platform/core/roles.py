"""Roles are cumulative: each includes the rights of those before it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    READER = "reader"
    AUTHOR = "author"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, needed: Role) -> bool:
        return self.rank >= needed.rank


def role_named(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        raise ValueError(f"unknown role '{name}': use one of {', '.join(Role)}") from None

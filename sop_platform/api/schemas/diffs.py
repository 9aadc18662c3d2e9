"""A word diff, as every answer that shows one says it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, WithJsonSchema


def pairs(first: str, second: str) -> WithJsonSchema:
    """The schema of a list of pairs (`list[tuple[...]]`) of JSON types `first`, `second`,
    said without `prefixItems` (a tuple's schema), which Schemathesis cannot check an
    answer against: an array of two-item arrays."""
    return WithJsonSchema(
        {
            "type": "array",
            "items": {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": {"anyOf": [{"type": first}, {"type": second}]}
                if first != second
                else {"type": first},
            },
        }
    )


# A diff: [operation, text] pairs, -1 deleted, 0 kept, 1 inserted.
DiffOps = Annotated[list[tuple[int, str]], pairs("integer", "string")]


class DiffOut(BaseModel):
    from_revision: int
    to_revision: int
    ops: DiffOps

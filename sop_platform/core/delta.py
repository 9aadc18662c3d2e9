"""Compact storage of one revision's bytes: a full snapshot, or a delta against a base.

A payload is one tag byte and a body. `F`/`f`: the whole content, zlib-compressed or raw.
`D`/`d`: a delta, zlib-compressed or raw: a little-endian uint32 count, then that many
uint32 instructions `(length << 2 | op)` applied left to right over the base (op 0 copies
`length` bytes of the base, op 1 skips them, op 2 inserts the next `length` bytes of the
literals), then the literals. Fixed-width instructions unpack at C speed on reading, which
matters more than their size: zlib squeezes the zeros out.
"""

from __future__ import annotations

import sys
import zlib
from array import array

import fast_diff_match_patch as fdmp

_COPY, _SKIP, _INSERT = 0, 1, 2
# Deltas are for storage, not for people: any correct delta will do, so bound the work.
_DELTA_TIME_LIMIT_S = 0.5


def _uint32s(values: list[int]) -> bytes:
    packed = array("I", values)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def _read_uint32s(data: bytes | memoryview) -> list[int]:
    unpacked = array("I")
    unpacked.frombytes(data)
    if sys.byteorder != "little":
        unpacked.byteswap()
    return unpacked.tolist()


def _pack(tag: bytes, body: bytes) -> bytes:
    packed = zlib.compress(body, 9)
    if len(packed) < len(body):
        return tag.upper() + packed
    return tag.lower() + body


def snapshot(content: bytes) -> bytes:
    """A payload holding the whole content."""
    return _pack(b"F", content)


def delta(base: bytes, target: bytes) -> bytes:
    """A payload that turns `base` into `target`."""
    program: list[int] = []
    literals = bytearray()
    position = 0
    # Diffed as latin-1 text, one character per byte: the library's line pre-pass is wrong
    # on bytes once a text has more than about 256 distinct lines. Efficiency cleanup folds
    # character noise into fewer, longer instructions, which makes reading faster.
    for op, length in fdmp.diff(
        base.decode("latin-1"),
        target.decode("latin-1"),
        timelimit=_DELTA_TIME_LIMIT_S,
        checklines=True,
        cleanup="Efficiency",
        counts_only=True,
    ):
        if length == 0:
            continue
        if op == "=":
            program.append(length << 2 | _COPY)
            position += length
        elif op == "-":
            program.append(length << 2 | _SKIP)
        else:
            program.append(length << 2 | _INSERT)
            literals += target[position : position + length]
            position += length
    return _pack(b"D", _uint32s([len(program), *program]) + bytes(literals))


def compact(base: bytes, content: bytes) -> bytes:
    """A delta from `base` to `content`, checked by applying it: a delta that does not give
    `content` back is never stored, so then the content's snapshot instead."""
    payload = delta(base, content)
    if apply_delta(base, payload) != content:
        return snapshot(content)
    return payload


def is_snapshot(payload: bytes) -> bool:
    return payload[:1] in (b"F", b"f")


def _body(payload: bytes) -> bytes:
    tag, body = payload[:1], payload[1:]
    return zlib.decompress(body) if tag.isupper() else body


def content_of_snapshot(payload: bytes) -> bytes:
    if not is_snapshot(payload):
        raise ValueError("not a snapshot payload")
    return _body(payload)


def apply_delta(base: bytes, payload: bytes) -> bytes:
    """The content that `payload` (a delta) makes of `base`."""
    if is_snapshot(payload):
        raise ValueError("not a delta payload")
    body = memoryview(_body(payload))
    (count,) = _read_uint32s(body[:4])
    literal = 4 + 4 * count
    base_view = memoryview(base)
    pieces: list[memoryview] = []
    cursor = 0
    for instruction in _read_uint32s(body[4:literal]):
        length = instruction >> 2
        op = instruction & 3
        if op == _COPY:
            pieces.append(base_view[cursor : cursor + length])
            cursor += length
        elif op == _SKIP:
            cursor += length
        else:
            pieces.append(body[literal : literal + length])
            literal += length
    return b"".join(pieces)

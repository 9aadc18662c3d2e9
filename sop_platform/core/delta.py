"""Compact storage of one revision's bytes: a full snapshot, or a delta against a base.

A payload is one tag byte and a body. `F`/`f`: the whole content, zlib-compressed or raw.
`D`/`d`: a delta, zlib-compressed or raw: a sequence of instructions applied left to right
over the base, each a varint `(length << 2 | op)`: op 0 copies `length` bytes of the base,
op 1 skips them, op 2 inserts the next `length` bytes of the delta's literal stream. All
instructions come first, then a 0 (a copy of nothing ends the list), then the literals.
"""

from __future__ import annotations

import zlib

import fast_diff_match_patch as fdmp

_COPY, _SKIP, _INSERT = 0, 1, 2
# Deltas are for storage, not for people: any correct delta will do, so bound the work.
_DELTA_TIME_LIMIT_S = 0.5


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


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
    program = bytearray()
    literals = bytearray()
    position = 0
    # Diffed as latin-1 text, one character per byte: the library's line pre-pass is wrong
    # on bytes once a text has more than about 256 distinct lines.
    for op, length in fdmp.diff(
        base.decode("latin-1"),
        target.decode("latin-1"),
        timelimit=_DELTA_TIME_LIMIT_S,
        checklines=True,
        cleanup="No",
        counts_only=True,
    ):
        if length == 0:
            continue
        if op == "=":
            program += _varint(length << 2 | _COPY)
        elif op == "-":
            program += _varint(length << 2 | _SKIP)
        else:
            program += _varint(length << 2 | _INSERT)
            literals += target[position : position + length]
        if op != "-":
            position += length
    program += _varint(0)
    return _pack(b"D", bytes(program) + bytes(literals))


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
    body = _body(payload)
    instructions: list[tuple[int, int]] = []
    index = 0
    while True:
        value = shift = 0
        while True:
            byte = body[index]
            index += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if value == 0:
            break
        instructions.append((value & 3, value >> 2))
    literal = index
    base_view = memoryview(base)
    body_view = memoryview(body)
    pieces: list[memoryview] = []
    cursor = 0
    for op, length in instructions:
        if op == _COPY:
            pieces.append(base_view[cursor : cursor + length])
            cursor += length
        elif op == _SKIP:
            cursor += length
        else:
            pieces.append(body_view[literal : literal + length])
            literal += length
    return b"".join(pieces)

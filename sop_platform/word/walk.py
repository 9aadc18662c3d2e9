"""The walk of the document body as its XML streams out of the zip: which elements hold
blocks, which are held whole until complete (a paragraph, a table row), and where each
complete one goes."""

from __future__ import annotations

from sop_platform.core.errors import TooLarge
from sop_platform.word.blocks import Blocks
from sop_platform.word.budget import Budget
from sop_platform.word.ooxml import El, W, is_contents
from sop_platform.word.safety import MAX_ELEMENT_XML_BYTES, MIB, XmlStream
from sop_platform.word.tables import Tables

# What an open element of the document is to the walk.
_ROOT = 0  # w:document
_BLOCKS = 1  # its children are blocks: w:body, and what holds blocks inside it
_SKIPPED = 2  # its children are dropped: a table of contents
_CONTROL = 3  # a block-level content control (w:sdt)
_TABLE = 4  # a block-level table: rows are converted one at a time
_HELD = 5  # anything else: held whole until its block (a paragraph, a row) is complete


class Walk:
    def __init__(self, blocks: Blocks, tables: Tables, budget: Budget) -> None:
        self.blocks = blocks
        self.tables = tables
        self.budget = budget
        self.body_seen = False

    def read(self, stream: XmlStream) -> None:
        """Convert each block of the body as soon as its end tag is read, then drop it
        from the tree: what is in memory at once is one paragraph or table row (at most
        MAX_ELEMENT_XML_BYTES of XML) and the Markdown made so far."""
        path: list[El] = []  # the open elements down to the innermost container
        kinds: list[int] = []
        inside = 0  # how deep in the element held whole (a paragraph, a row), if in one
        held = 0  # where it began (bytes read)

        def check() -> None:  # after each chunk, so also inside one long piece of text
            self.budget.check()
            if inside and stream.read - held > MAX_ELEMENT_XML_BYTES:
                raise TooLarge(
                    f"{self.budget.name}: a paragraph or table row of {stream.part} holds "
                    f"more than {MAX_ELEMENT_XML_BYTES // MIB} MiB of XML; split it"
                )

        stream.check = check
        for event, element in stream:
            if inside:  # most events: kept simple
                inside += 1 if event == "start" else -1
                if not inside:
                    self.ended(element, path[-1], kinds[-1])
            elif event == "start":
                kind = self.kind_of(element, path, kinds)
                if kind == _HELD:
                    inside, held = 1, stream.read
                else:
                    path.append(element)
                    kinds.append(kind)
            else:
                kinds.pop()
                path.pop()
                if path:
                    self.ended(element, path[-1], kinds[-1])

    def kind_of(self, element: El, path: list[El], kinds: list[int]) -> int:
        """What a starting element is, from what its parent is."""
        if not path:
            return _ROOT
        parent, tag = kinds[-1], element.tag
        if parent == _ROOT:
            if tag == f"{W}body" and path[0].tag == f"{W}document" and not self.body_seen:
                self.body_seen = True
                return _BLOCKS
        elif parent == _BLOCKS:
            if tag == f"{W}sdt":
                return _CONTROL
            if tag == f"{W}customXml":
                return _BLOCKS
            if tag == f"{W}tbl":
                self.tables.opened()
                return _TABLE
        elif parent == _CONTROL and tag == f"{W}sdtContent":
            # Its properties came first and are kept; only its first content counts.
            if path[-1].find(f"{W}sdtContent") is not element:
                return _HELD
            if is_contents(path[-1]):
                self.blocks.skip_contents()
                return _SKIPPED
            return _BLOCKS
        return _HELD

    def ended(self, element: El, parent: El, kind: int) -> None:
        """Convert a complete element of a container of `kind`, and drop it when done."""
        tag = element.tag
        if kind == _BLOCKS:
            if tag == f"{W}p":
                self.blocks.paragraph(element)
            elif tag == f"{W}tbl":
                self.tables.closed()
            elif tag == f"{W}sdt" and is_contents(element):
                self.blocks.skip_contents()
        elif kind == _TABLE and tag == f"{W}tr":
            self.tables.row_ended(element)
        # A control's properties and its (emptied) first content are kept: they say what
        # it is, and which content counts.
        kept = tag in (f"{W}sdtPr", f"{W}sdtContent") and parent.find(tag) is element
        if not (kind == _CONTROL and kept):
            parent.remove(element)

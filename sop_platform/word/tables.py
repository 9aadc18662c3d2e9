"""Tables as pipe tables, converted a row at a time: merged cells left empty, spanned
columns kept, a nested table flattened into its cell's text."""

from __future__ import annotations

from sop_platform.word.blocks import Blocks
from sop_platform.word.budget import Budget
from sop_platform.word.markdown import nfc, table_row
from sop_platform.word.notes import Notes
from sop_platform.word.ooxml import El, W, val
from sop_platform.word.runs import Runs
from sop_platform.word.tokens import lines, plain

_MAX_COLUMNS = 63  # as in Word


class Tables:
    def __init__(self, runs: Runs, blocks: Blocks, notes: Notes, budget: Budget) -> None:
        self.runs = runs
        self.blocks = blocks
        self.notes = notes
        self.budget = budget
        self.rows: list[list[list[str]]] = []  # of the open block-level tables

    def opened(self) -> None:
        self.rows.append([])

    def row_ended(self, row: El) -> None:
        self.rows[-1].append(self.row(row))

    def closed(self) -> None:
        rows = [row for row in self.rows.pop() if row]
        if not rows:
            return
        width = max(len(row) for row in rows)
        made = [table_row(row + [""] * (width - len(row))) for row in rows]
        made.insert(1, table_row(["---"] * width))
        self.blocks.add("\n".join(made), counted=True)

    def row(self, row: El) -> list[str]:
        """A table row's cells as Markdown, counted as made."""
        cells: list[str] = []
        for cell in row:
            if cell.tag != f"{W}tc":
                continue
            tcpr = cell.find(f"{W}tcPr")
            merged = None if tcpr is None else tcpr.find(f"{W}vMerge")
            span = val(None if tcpr is None else tcpr.find(f"{W}gridSpan")) or "1"
            text = "" if merged is not None and val(merged) != "restart" else self.cell(cell)
            cells.append(text)
            cells.extend([""] * (min(int(span), _MAX_COLUMNS) - 1 if span.isdigit() else 0))
        if self.blocks.chapters and cells:  # "| a | b |" and its newline
            self.budget.grow(sum(len(nfc(text)) + 3 for text in cells) + 2)
        return cells

    def cell(self, cell: El) -> str:
        parts: list[str] = []
        for element in cell:
            if element.tag == f"{W}tbl":
                self.notes.issue("nested table")
            paragraphs = [element] if element.tag == f"{W}p" else element.iter(f"{W}p")
            for paragraph in paragraphs:
                self.runs.start_paragraph()
                tokens = self.runs.inline(paragraph)
                parts.extend(self.runs.markdown(line) for line in lines(tokens))
                self.blocks.report(plain(tokens), "table cell")
        return " ".join(parts)

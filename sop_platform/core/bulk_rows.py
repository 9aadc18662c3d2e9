"""Many rows of plain values inserted at once, past SQLAlchemy's per-row parameter work.

An edition issued to 5,000 people writes tens of thousands of rows (acknowledgements owed,
notifications). Through `session.execute(insert(Model), rows)` SQLAlchemy builds each row's
parameters one by one, which measured three quarters of the insert (bench/readership.py's
issuing line); here the statement is compiled once, each column's conversion to the
database's form is looked up once, and the driver's `executemany` gets plain tuples or dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, SQLModel


def insert_rows(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same keys, column names of `model`'s table) in the
    session's transaction, after what it has pending."""
    if not rows:
        return
    session.flush()
    connection = session.connection()
    dialect = connection.dialect
    table: Table = model.__table__  # type: ignore[attr-defined]
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    converters = {key: table.c[key].type.bind_processor(dialect) for key in keys}
    # The rows of one insert mostly share their dates and times (one due date, one moment
    # made): each distinct value is converted once.
    done: dict[tuple[str, Any], Any] = {}

    def converted(row: Mapping[str, Any], key: str) -> Any:
        value = row[key]
        convert = converters[key]
        if convert is None or value is None:
            return value
        found = done.get((key, value), done)
        if found is done:
            found = done[(key, value)] = convert(value)
        return found

    if compiled.positional:
        order = compiled.positiontup or []
        values: list[Any] = [tuple(converted(row, key) for key in order) for row in rows]
    else:
        values = [{key: converted(row, key) for key in keys} for row in rows]
    connection.exec_driver_sql(compiled.string, values)

"""Alembic environment: runs on the connection handed over by `Database.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from sop_platform.core import models  # noqa: F401  (registers the tables)
from sop_platform.core.database import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url, or run `sop-platform init`")
    engine = create_db_engine(url)
    with engine.connect() as own_connection:
        _run(own_connection)
        own_connection.commit()

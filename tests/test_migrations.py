"""The schema exists only through Alembic; from empty, the migrations match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from sop_platform.core import models  # noqa: F401  (registers the tables)
from sop_platform.core.database import Database


def test_migrations_from_empty_match_the_models(database: Database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_teams_downgrade_and_upgrade_again(database: Database):
    """0009 adds tables that point at accounts and accounts that point at them: undone and
    done again on either database."""
    from alembic import command
    from alembic.config import Config

    from sop_platform.resources import shipped_dir

    config = Config()
    config.set_main_option("script_location", str(shipped_dir("migrations")))
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
        connection.commit()
        assert "team" not in inspect(connection).get_table_names()
        command.upgrade(config, "head")
        connection.commit()
        columns = {column["name"] for column in inspect(connection).get_columns("app_user")}

    assert {"organisation_id", "team_id"} <= columns


def test_upgrading_twice_is_harmless(database: Database):
    database.upgrade()

    assert "revision" in inspect(database.engine).get_table_names()


def test_sqlite_connections_are_tuned_for_durability(database: Database):
    if not database.is_sqlite:
        pytest.skip("SQLite pragmas")
    with database.engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }

    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 2,
        "busy_timeout": 30_000,
    }


def test_upgrading_a_database_with_editions_keeps_them(tmp_path):
    """0003 adds the audit head to `edition` without rebuilding the table its contents
    reference (SQLite would refuse to drop it under the immutable edition contents)."""
    from alembic import command
    from alembic.config import Config

    from sop_platform.resources import shipped_dir

    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(shipped_dir("migrations")))
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.exec_driver_sql(
            "INSERT INTO document (id, slug, kind, title, languages, approvals_required) "
            "VALUES (1, 'd', 'sop', 'D', 'en', 2)"
        )
        connection.exec_driver_sql(
            "INSERT INTO chapter (id, document_id, slug, language, number, title, head_revision)"
            " VALUES (1, 1, 'c', 'en', '1', 'C', 0)"
        )
        connection.exec_driver_sql(
            "INSERT INTO edition (id, document_id, number, title, effective_date, issued_at, "
            "issued_by) VALUES (1, 1, 1, 'Edition 1', '2026-01-01', '2026-01-01 00:00:00', 'x')"
        )
        connection.exec_driver_sql(
            "INSERT INTO edition_chapter (edition_id, chapter_id, revision) VALUES (1, 1, 0)"
        )
        connection.commit()

    database.upgrade()

    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT number, audit_seq, audit_hash FROM edition").all()
        frozen = connection.exec_driver_sql("SELECT count(*) FROM edition_chapter").scalar()
    database.dispose()
    assert [tuple(row) for row in rows] == [(1, 0, "")]
    assert frozen == 1

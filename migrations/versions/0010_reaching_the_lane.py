"""reaching the lane: audience policy, acknowledgements owed and given, briefings, copies

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import UTCDateTime

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Records of who owed, read, briefed and replaced what: the application only inserts them,
# and the database refuses to change or delete them (as for revisions, migration 0002).
APPEND_ONLY = (
    "reading_obligation",
    "acknowledgement",
    "briefing",
    "briefing_attendee",
    "controlled_copy",
    "copy_replacement",
)


def _refuse_changes() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sop_refuse_change()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
            )


def _allow_changes() -> None:
    for table in APPEND_ONLY:
        if op.get_context().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: a batch would rebuild `document`, which the frozen
    # editions reference (SQLite refuses to drop it under them).
    op.add_column('document', sa.Column(
        'audience', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False,
        server_default='',
    ))
    op.add_column('document', sa.Column(
        'acknowledge_within_days', sa.Integer(), nullable=False, server_default='14'
    ))
    op.add_column('document', sa.Column(
        'acknowledgement_password', sa.Boolean(), nullable=False, server_default=sa.false()
    ))

    op.create_table('reading_obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('chapter_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint(
        'user_id', 'document_id', 'edition', 'chapter_slug', name='uq_reading_obligation'
    )
    )
    with op.batch_alter_table('reading_obligation', schema=None) as batch_op:
        batch_op.create_index('ix_reading_obligation_user_id', ['user_id'], unique=False)
        batch_op.create_index(
            'ix_reading_obligation_edition', ['document_id', 'edition'], unique=False
        )

    op.create_table('acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('chapter_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('read_at', UTCDateTime(), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['signature_id'], ['e_signature.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint(
        'user_id', 'document_id', 'chapter_slug', 'sha256', name='uq_acknowledgement_text'
    )
    )
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.create_index('ix_acknowledgement_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_acknowledgement_document_id', ['document_id'], unique=False)

    op.create_table('briefing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('chapters', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['signature_id'], ['e_signature.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('briefing', schema=None) as batch_op:
        batch_op.create_index('ix_briefing_document_id', ['document_id'], unique=False)
        batch_op.create_index('ix_briefing_team_id', ['team_id'], unique=False)

    op.create_table('briefing_attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('briefing_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['briefing_id'], ['briefing.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('briefing_attendee', schema=None) as batch_op:
        batch_op.create_index('ix_briefing_attendee_briefing_id', ['briefing_id'], unique=False)

    op.create_table('controlled_copy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('registered_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('registered_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['holder_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'number', name='uq_controlled_copy')
    )
    op.create_table('copy_replacement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('copy_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('replaced_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('replaced_at', UTCDateTime(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['copy_id'], ['controlled_copy.id'], ),
    sa.ForeignKeyConstraint(['signature_id'], ['e_signature.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('copy_replacement', schema=None) as batch_op:
        batch_op.create_index('ix_copy_replacement_copy_id', ['copy_id'], unique=False)
    _refuse_changes()


def downgrade() -> None:
    _allow_changes()
    with op.batch_alter_table('copy_replacement', schema=None) as batch_op:
        batch_op.drop_index('ix_copy_replacement_copy_id')
    op.drop_table('copy_replacement')
    op.drop_table('controlled_copy')
    with op.batch_alter_table('briefing_attendee', schema=None) as batch_op:
        batch_op.drop_index('ix_briefing_attendee_briefing_id')
    op.drop_table('briefing_attendee')
    with op.batch_alter_table('briefing', schema=None) as batch_op:
        batch_op.drop_index('ix_briefing_team_id')
        batch_op.drop_index('ix_briefing_document_id')
    op.drop_table('briefing')
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.drop_index('ix_acknowledgement_document_id')
        batch_op.drop_index('ix_acknowledgement_user_id')
    op.drop_table('acknowledgement')
    with op.batch_alter_table('reading_obligation', schema=None) as batch_op:
        batch_op.drop_index('ix_reading_obligation_edition')
        batch_op.drop_index('ix_reading_obligation_user_id')
    op.drop_table('reading_obligation')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('acknowledgement_password')
        batch_op.drop_column('acknowledge_within_days')
        batch_op.drop_column('audience')

"""change requests, reviews, comments, editions amendments and the audit chain

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 23:09:15.404460
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import HexDigest, UTCDateTime


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Written once, never changed by the application; the database refuses UPDATE and DELETE.
# (Comments and change requests change state, so they are not here.)
FROZEN_TABLES = (
    "iteration",
    "proposal",
    "review",
    "merged_revision",
    "edition_amendment",
    "audit_event",
)


def _freeze(tables: tuple[str, ...]) -> None:
    """As in 0002: a trigger refuses every UPDATE and DELETE (sop_refuse_change on PG)."""
    postgres = op.get_context().dialect.name == "postgresql"
    for table in tables:
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sop_refuse_change()"
            )
            continue
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
            )


def _unfreeze(tables: tuple[str, ...]) -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    for table in tables:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
            continue
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{action}")


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('object', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('before_sha256', HexDigest(), nullable=True),
    sa.Column('after_sha256', HexDigest(), nullable=True),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('details', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('prev_hash', HexDigest(), nullable=False),
    sa.Column('hash', HexDigest(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.CheckConstraint('seq >= 1', name='ck_audit_event_seq_positive'),
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_object'), ['object'], unique=False)

    op.create_table('change_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('rationale', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('imas_references', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('submitted_at', UTCDateTime(), nullable=True),
    sa.Column('merged_at', UTCDateTime(), nullable=True),
    sa.Column('merged_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('current_iteration', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_author'), ['author'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_change_request_state_submitted', ['state', 'submitted_at'], unique=False)
        batch_op.create_index('ix_change_request_queue', ['state', 'author', 'current_iteration'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('iteration', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('chapter_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('suffix', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_change_request_id'), ['change_request_id'], unique=False)

    op.create_table('edition_amendment',
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], ),
    sa.PrimaryKeyConstraint('edition_id', 'change_request_id')
    )
    op.create_table('iteration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_request_id', 'number')
    )
    op.create_table('merged_revision',
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('clauses', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapter.id'], ),
    sa.PrimaryKeyConstraint('change_request_id', 'chapter_id')
    )
    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('iteration', sa.Integer(), nullable=False),
    sa.Column('chapter_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=True),
    sa.Column('base_revision', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['chapter_id'], ['chapter.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_request_id', 'iteration', 'chapter_slug', 'language')
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_change_request_id'), ['change_request_id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('iteration', sa.Integer(), nullable=False),
    sa.Column('reviewer', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('signature_meaning', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('signed_texts', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=True),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index('ix_review_signed', ['change_request_id', 'iteration', 'reviewer', 'decision'], unique=False)

    # A plain ADD COLUMN: rebuilding `edition` would trip over the rows that reference it.
    op.add_column('edition', sa.Column('audit_seq', sa.Integer(), nullable=False, server_default='0'))
    op.add_column(
        'edition',
        sa.Column('audit_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''),
    )
    _freeze(FROZEN_TABLES)


def downgrade() -> None:
    _unfreeze(FROZEN_TABLES)
    op.drop_column('edition', 'audit_hash')
    op.drop_column('edition', 'audit_seq')

    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index('ix_review_signed')

    op.drop_table('review')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_change_request_id'))

    op.drop_table('proposal')
    op.drop_table('merged_revision')
    op.drop_table('iteration')
    op.drop_table('edition_amendment')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_change_request_id'))

    op.drop_table('comment')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index('ix_change_request_queue')
        batch_op.drop_index('ix_change_request_state_submitted')
        batch_op.drop_index(batch_op.f('ix_change_request_document_id'))
        batch_op.drop_index(batch_op.f('ix_change_request_author'))

    op.drop_table('change_request')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_object'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor'))

    op.drop_table('audit_event')

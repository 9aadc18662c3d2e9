"""drift flags, and the source revision a translation matches

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: rebuilding `revision` would trip its immutability triggers.
    op.add_column('revision', sa.Column('source_revision', sa.Integer(), nullable=True))
    op.create_table('drift_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('chapter_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('anchor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('standard_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('standard_chapter_id', sa.Integer(), nullable=False),
    sa.Column('from_revision', sa.Integer(), nullable=False),
    sa.Column('to_revision', sa.Integer(), nullable=False),
    sa.Column('raised_at', UTCDateTime(), nullable=False),
    sa.Column('raised_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('cleared_at', UTCDateTime(), nullable=True),
    sa.Column('cleared_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('cleared_how', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('change_request_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('signature_meaning', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['standard_chapter_id'], ['chapter.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('drift_flag', schema=None) as batch_op:
        batch_op.create_index('ix_drift_flag_open', ['document_id', 'cleared_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('drift_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_drift_flag_open')
    op.drop_table('drift_flag')
    op.drop_column('revision', 'source_revision')

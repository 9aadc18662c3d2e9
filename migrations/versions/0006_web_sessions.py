"""web_session: browsers signed in to the staff application

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('token_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token_sha256')
    )
    op.create_index(op.f('ix_web_session_username'), 'web_session', ['username'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_session_username'), table_name='web_session')
    op.drop_table('web_session')

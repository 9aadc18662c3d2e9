"""sign-in throttle by client and window, idempotent requests

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:26:55
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idempotent_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('request_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('headers', sqlmodel.sql.sqltypes.AutoString(length=2000), server_default='{}', nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username', 'key')
    )
    op.create_table('sign_in_refusal_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('window_start', UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_at', UTCDateTime(), nullable=False),
    sa.Column('typed_length', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account', 'reason', 'window_start')
    )
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('typed_length', sa.Integer(), nullable=True))
        batch_op.create_index('ix_sign_in_failure_at', ['at'], unique=False)
        batch_op.create_index('ix_sign_in_failure_client_at', ['client', 'at'], unique=False)

    # A failure against a name no account has stored what was typed, often a password in the
    # wrong field. They only ever throttled the next quarter of an hour: forget them.
    op.execute(
        "DELETE FROM sign_in_failure WHERE username NOT IN (SELECT username FROM app_user)"
    )



def downgrade() -> None:
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failure_client_at')
        batch_op.drop_index('ix_sign_in_failure_at')
        batch_op.drop_column('typed_length')
        batch_op.drop_column('client')

    op.drop_table('sign_in_refusal_window')
    op.drop_table('idempotent_request')

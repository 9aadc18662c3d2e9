"""notifications (the outbox, deliveries, preferences) and field feedback

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:22:03.877242
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import UTCDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# What a reader sent and what staff did with it: inserted only, never changed or deleted
# (as revisions, migration 0002, and the reading records, 0010).
APPEND_ONLY = ("feedback", "feedback_event")


def _refuse_changes() -> None:
    for table in APPEND_ONLY:
        if op.get_context().dialect.name == "postgresql":
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


def _allow_changes() -> None:
    for table in APPEND_ONLY:
        if op.get_context().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")


def upgrade() -> None:
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('chapter_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('clause', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('written_at', UTCDateTime(), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_user_id'), ['user_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('event_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('params', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('read_at', UTCDateTime(), nullable=True),
    sa.Column('dispatched_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'event_key', name='uq_notification_event')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_dispatched_at'), ['dispatched_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_notification_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind', name='uq_notification_preference')
    )
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preference_user_id'), ['user_id'], unique=False)

    op.create_table('feedback_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reply', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('edition', sa.Integer(), nullable=True),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.ForeignKeyConstraint(['duplicate_of'], ['feedback.id'], ),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_event_feedback_id'), ['feedback_id'], unique=False)

    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('claimed_until', UTCDateTime(), nullable=True),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('notification_id', 'channel', name='uq_notification_delivery')
    )
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notification_delivery_due', ['state', 'next_attempt_at'], unique=False)

    # Plain ALTER TABLE ... ADD COLUMN: a batch would rebuild `app_user`, which signatures,
    # sessions and reading records reference.
    op.add_column('app_user', sa.Column(
        'email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True
    ))
    op.add_column('app_user', sa.Column(
        'language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
        server_default='en',
    ))
    op.create_index('ix_reading_obligation_due', 'reading_obligation', ['due'], unique=False)
    _refuse_changes()



def downgrade() -> None:
    _allow_changes()
    op.drop_index('ix_reading_obligation_due', table_name='reading_obligation')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('email')

    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_delivery_due')

    op.drop_table('notification_delivery')
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_event_feedback_id'))

    op.drop_table('feedback_event')
    with op.batch_alter_table('notification_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_preference_user_id'))

    op.drop_table('notification_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_unread')
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_dispatched_at'))

    op.drop_table('notification')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_user_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_document_id'))

    op.drop_table('feedback')

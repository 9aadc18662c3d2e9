"""signed issuing, prevailing language, per-clause translations, account lifecycle,
versioned CR descriptions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:35:52
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import UTCDateTime

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('e_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('meaning', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('printed_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('signed_at', UTCDateTime(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('e_signature', schema=None) as batch_op:
        batch_op.create_index('ix_e_signature_subject', ['subject', 'meaning'], unique=False)

    op.create_table('change_request_description',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_request_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('rationale', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('imas_references', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_request_description', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_description_change_request_id'), ['change_request_id'], unique=False)

    # Every CR made before descriptions were versioned starts its history with its wording now.
    op.execute(
        'INSERT INTO change_request_description '
        '(change_request_id, title, rationale, imas_references, "by", "at") '
        'SELECT id, title, rationale, imas_references, author, created_at FROM change_request'
    )

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('attested_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('credentials_epoch', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prevailing_language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('review_interval_months', sa.Integer(), nullable=False, server_default='36'))

    with op.batch_alter_table('drift_flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standard_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('national_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manifest_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('overrides', sqlmodel.sql.sqltypes.AutoString(length=200000), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('withdrawn_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False, server_default=''))

    with op.batch_alter_table('merged_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('reapplied_onto', sa.Integer(), nullable=True))

    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clause_sources', sqlmodel.sql.sqltypes.AutoString(length=200000), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_column('clause_sources')

    with op.batch_alter_table('merged_revision', schema=None) as batch_op:
        batch_op.drop_column('reapplied_onto')
        batch_op.drop_column('signed_sha256')

    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('overrides')
        batch_op.drop_column('manifest_sha256')

    with op.batch_alter_table('drift_flag', schema=None) as batch_op:
        batch_op.drop_column('national_sha256')
        batch_op.drop_column('standard_sha256')

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('review_interval_months')
        batch_op.drop_column('prevailing_language')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('credentials_epoch')
        batch_op.drop_column('attested_at')
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('position')

    with op.batch_alter_table('change_request_description', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_description_change_request_id'))

    op.drop_table('change_request_description')
    with op.batch_alter_table('e_signature', schema=None) as batch_op:
        batch_op.drop_index('ix_e_signature_subject')

    op.drop_table('e_signature')

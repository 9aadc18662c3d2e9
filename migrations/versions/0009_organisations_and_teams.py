"""organisations and teams: each account works for an organisation, and may be in a team

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:17:55
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from sop_platform.core.sqltypes import UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index('ix_team_organisation_id', ['organisation_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_app_user_organisation_id', ['organisation_id'], unique=False)
        batch_op.create_index('ix_app_user_team_id', ['team_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_app_user_organisation_id', 'organisation', ['organisation_id'], ['id']
        )
        batch_op.create_foreign_key('fk_app_user_team_id', 'team', ['team_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint('fk_app_user_team_id', type_='foreignkey')
        batch_op.drop_constraint('fk_app_user_organisation_id', type_='foreignkey')
        batch_op.drop_index('ix_app_user_team_id')
        batch_op.drop_index('ix_app_user_organisation_id')
        batch_op.drop_column('team_id')
        batch_op.drop_column('organisation_id')

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index('ix_team_organisation_id')

    op.drop_table('team')
    op.drop_table('organisation')

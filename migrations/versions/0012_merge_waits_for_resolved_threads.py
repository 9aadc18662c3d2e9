"""a document's policy may make merging wait until every comment thread is resolved

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch would rebuild `document`, which SQLite refuses to drop
    # under the editions that reference it.
    op.add_column('document', sa.Column(
        'merge_needs_resolved_threads', sa.Boolean(), nullable=False, server_default=sa.false()
    ))


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('merge_needs_resolved_threads')

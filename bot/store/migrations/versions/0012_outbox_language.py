"""outbox: the language a message was delivered in, so that a broadcast's correction edits
the messages sent in that language even after their readers changed theirs

Revision ID: 0012
Revises: 0011

Rows sent before this revision keep NULL: a correction then falls back to the reader's
current language, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('language')

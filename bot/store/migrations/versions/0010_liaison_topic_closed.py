"""liaison topics: whether a request's forum topic was closed, so that the sweep closes or
reopens the topics whose state disagrees with their request's status

Revision ID: 0010
Revises: 0009

The lead re-chains ``down_revision`` when merging branches: this revision only adds the
``liaison_requests.topic_closed`` column. Requests already stored get false: the sweep then
closes the topics of those already resolved or cancelled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('liaison_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic_closed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('liaison_requests', schema=None) as batch_op:
        batch_op.drop_column('topic_closed')

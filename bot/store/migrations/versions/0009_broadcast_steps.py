"""broadcast steps: what an organiser is asked to type next for a broadcast (a text, codes,
ids, a time...), kept across restarts

Revision ID: 0009
Revises: 0008

The lead re-chains ``down_revision`` when merging branches: this revision only adds the
``broadcast_steps`` table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcast_steps',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_broadcast_steps_broadcast_id_broadcasts')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_broadcast_steps_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_broadcast_steps'))
    )


def downgrade() -> None:
    op.drop_table('broadcast_steps')

"""learnt phrasings: unanswered questions attached by organisers to the entry that should have
answered them (an overlay of the content pack, with who added each and when)

Revision ID: 0008
Revises: 0007

The lead re-chains ``down_revision`` when merging branches: this revision only adds the
``learnt_phrasings`` table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('learnt_phrasings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('entry_type', sa.String(length=16), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('normalised', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learnt_phrasings')),
    sa.UniqueConstraint('event_id', 'entry_type', 'entry_id', 'normalised', name='uq_learnt_phrasings_entry_text'),
    )
    with op.batch_alter_table('learnt_phrasings', schema=None) as batch_op:
        batch_op.create_index('ix_learnt_phrasings_event', ['event_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('learnt_phrasings', schema=None) as batch_op:
        batch_op.drop_index('ix_learnt_phrasings_event')
    op.drop_table('learnt_phrasings')

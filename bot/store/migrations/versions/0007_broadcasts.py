"""broadcasts: an organiser's message to many people, and who confirmed receiving it

Revision ID: 0007
Revises: 0006

The lead re-chains ``down_revision`` when merging branches: this revision only adds the
``broadcasts`` and ``broadcast_receipts`` tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

STATES = ('draft', 'approval', 'scheduled', 'sending', 'done', 'cancelled')


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum(*STATES, name='broadcaststate', native_enum=False, length=24), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('attachment_kind', sa.String(length=16), nullable=True),
    sa.Column('attachment', sa.String(length=300), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('ask_confirm', sa.Boolean(), nullable=False),
    sa.Column('chase_after_min', sa.Integer(), nullable=True),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audience_size', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('progress_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('progress_message_id', sa.BigInteger(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by'], ['people.id'], name=op.f('fk_broadcasts_approved_by_people')),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_broadcasts_author_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts'))
    )
    op.create_table('broadcast_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_broadcast_receipts_broadcast_id_broadcasts')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_broadcast_receipts_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast_receipts')),
    sa.UniqueConstraint('broadcast_id', 'person_id', name=op.f('uq_broadcast_receipts_broadcast_id'))
    )


def downgrade() -> None:
    op.drop_table('broadcast_receipts')
    op.drop_table('broadcasts')

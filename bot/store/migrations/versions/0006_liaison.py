"""liaison requests: requests, their events and messages, officers' duty and cover, drafts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:46:20

The lead re-chains ``down_revision`` when merging branches: this revision only adds tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('liaison_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('open', 'claimed', 'resolved', 'cancelled', name='requeststatus', native_enum=False, length=24), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('offered_to_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('thread_id', sa.BigInteger(), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['delegate_id'], ['people.id'], name=op.f('fk_liaison_requests_delegate_id_people')),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_liaison_requests_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['holder_id'], ['people.id'], name=op.f('fk_liaison_requests_holder_id_people')),
    sa.ForeignKeyConstraint(['offered_to_id'], ['people.id'], name=op.f('fk_liaison_requests_offered_to_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_requests'))
    )
    with op.batch_alter_table('liaison_requests', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_delegate', ['delegate_id', 'status'], unique=False)
        batch_op.create_index('ix_liaison_holder', ['holder_id', 'status'], unique=False)
        batch_op.create_index('ix_liaison_status', ['status', 'created_at'], unique=False)

    op.create_table('officer_covers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('delegation', 'language', 'category', name='coverkind', native_enum=False, length=24), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_officer_covers_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_covers')),
    sa.UniqueConstraint('person_id', 'kind', 'value', name=op.f('uq_officer_covers_person_id'))
    )
    op.create_table('officer_profiles',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_officer_profiles_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_officer_profiles'))
    )
    op.create_table('liaison_drafts',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_liaison_drafts_person_id_people')),
    sa.ForeignKeyConstraint(['request_id'], ['liaison_requests.id'], name=op.f('fk_liaison_drafts_request_id_liaison_requests')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_liaison_drafts'))
    )
    op.create_table('liaison_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.Enum('opened', 'routed', 'claimed', 'handed_over', 'escalated', 'reminded', 'rerouted', 'resolved', 'reopened', 'cancelled', 'rated', name='requestaction', native_enum=False, length=24), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['holder_id'], ['people.id'], name=op.f('fk_liaison_events_holder_id_people')),
    sa.ForeignKeyConstraint(['request_id'], ['liaison_requests.id'], name=op.f('fk_liaison_events_request_id_liaison_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_events'))
    )
    with op.batch_alter_table('liaison_events', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_events_request', ['request_id', 'id'], unique=False)

    op.create_table('liaison_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('from_officer', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('file_id', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_liaison_messages_author_id_people')),
    sa.ForeignKeyConstraint(['request_id'], ['liaison_requests.id'], name=op.f('fk_liaison_messages_request_id_liaison_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_messages'))
    )
    with op.batch_alter_table('liaison_messages', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_messages_request', ['request_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('liaison_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_messages_request')

    op.drop_table('liaison_messages')
    with op.batch_alter_table('liaison_events', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_events_request')

    op.drop_table('liaison_events')
    op.drop_table('liaison_drafts')
    op.drop_table('officer_profiles')
    op.drop_table('officer_covers')
    with op.batch_alter_table('liaison_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_status')
        batch_op.drop_index('ix_liaison_holder')
        batch_op.drop_index('ix_liaison_delegate')

    op.drop_table('liaison_requests')

"""agenda: follows (one's own and a delegation's), reminder settings, organisers' live overlay, what followers were told

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('following', 'opted-out', name='followstate', native_enum=False, length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_follows_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('person_id', 'session_id', name=op.f('uq_follows_person_id')),
    )
    op.create_index('ix_follows_session', 'follows', ['session_id', 'state'], unique=False)
    op.create_table('agenda_settings',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('lead_minutes', sa.Integer(), nullable=True),
    sa.Column('briefing_hour', sa.SmallInteger(), nullable=True),
    sa.Column('ics_token', sa.String(length=64), nullable=True),
    sa.Column('focal_point', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_agenda_settings_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_agenda_settings')),
    sa.UniqueConstraint('ics_token', name=op.f('uq_agenda_settings_ics_token')),
    )
    op.create_table('delegation_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_delegation_follows_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['set_by'], ['people.id'], name=op.f('fk_delegation_follows_set_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation_follows')),
    sa.UniqueConstraint('delegation_id', 'session_id', name=op.f('uq_delegation_follows_delegation_id')),
    )
    op.create_table('session_overlays',
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('delay_minutes', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('set_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_overlays')),
    )
    op.create_table('programme_seen',
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('room', sa.String(length=64), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_programme_seen')),
    )


def downgrade() -> None:
    op.drop_table('programme_seen')
    op.drop_table('session_overlays')
    op.drop_table('delegation_follows')
    op.drop_table('agenda_settings')
    op.drop_index('ix_follows_session', table_name='follows')
    op.drop_table('follows')

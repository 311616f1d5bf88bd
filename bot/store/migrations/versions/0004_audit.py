"""audit log (who changed a role or revoked an invite, and when); unanswered questions timed to the hour

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00

The lead re-chains ``down_revision`` when merging branches: this revision only adds the
``audit_log`` table and coarsens the times of the questions already kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.Enum('role.changed', 'invite.revoked', name='auditaction', native_enum=False, length=24), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('old_value', sa.String(length=100), nullable=True),
    sa.Column('new_value', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_target', ['target', 'action'], unique=False)
    # a question's time is kept to the (UTC) hour: an exact time could be joined to
    # people.last_seen_at to tell who asked (see models.UnansweredQuestion)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE unanswered_questions SET asked_at = "
                   "date_trunc('hour', asked_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'")
    else:  # SQLite keeps naive UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff'
        op.execute("UPDATE unanswered_questions SET asked_at = strftime('%Y-%m-%d %H:00:00.000000', asked_at)")


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_target')
    op.drop_table('audit_log')

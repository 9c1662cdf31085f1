"""ruleset authorship and the one-active guarantee; screening evidence on score snapshots

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('ruleset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=200), nullable=False, server_default='anonymous'))
        batch_op.add_column(
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
        )
        batch_op.add_column(sa.Column('activated_by', sa.String(length=200), nullable=True))
        batch_op.create_index(
            'uq_ruleset_one_active',
            ['status'],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
    with op.batch_alter_table('score_snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screening', JSON_DOC, nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('computed_by', sa.String(length=200), nullable=False, server_default='anonymous'))
    # The defaults only filled existing rows; the application always writes these columns.
    with op.batch_alter_table('ruleset', schema=None) as batch_op:
        batch_op.alter_column('created_by', server_default=None)
        batch_op.alter_column('updated_at', server_default=None)
    with op.batch_alter_table('score_snapshot', schema=None) as batch_op:
        batch_op.alter_column('screening', server_default=None)
        batch_op.alter_column('computed_by', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('score_snapshot', schema=None) as batch_op:
        batch_op.drop_column('computed_by')
        batch_op.drop_column('screening')
    with op.batch_alter_table('ruleset', schema=None) as batch_op:
        batch_op.drop_index('uq_ruleset_one_active')
        batch_op.drop_column('activated_by')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('created_by')

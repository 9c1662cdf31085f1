"""screening decisions and entry kinds

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 20:39:23.123266
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('screening_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('list_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entry_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('entry_name', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entity.id'], name=op.f('fk_screening_decision_entity_id_entity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['screening_entry.id'], name=op.f('fk_screening_decision_entry_id_screening_entry'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_decision')),
    sa.UniqueConstraint('entity_id', 'entry_key', name='uq_screening_decision_entity_entry')
    )
    with op.batch_alter_table('screening_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_decision_entity_id'), ['entity_id'], unique=False)

    with op.batch_alter_table('screening_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('screening_entry', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('screening_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_decision_entity_id'))

    op.drop_table('screening_decision')

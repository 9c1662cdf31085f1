"""reference stamp, changed by trigger on every write to cached reference data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 01:20:00.000000
"""
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What workers cache per stamp (app/services/scoring.py, load_workspace). Not the list entries: a version's
# entries are written once, and the list's current_version and content_digest say which version counts.
WATCHED = ('sector', 'country', 'us_restriction', 'screening_list')


def upgrade() -> None:
    op.create_table('reference_stamp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_stamp'))
    )
    op.execute(sa.text("INSERT INTO reference_stamp (id, stamp) VALUES (1, :stamp)").bindparams(stamp=uuid.uuid4().hex))
    if op.get_bind().dialect.name == 'postgresql':
        # A random stamp, not a counter: a database restored or copied from a template never repeats a stamp a
        # worker has cached with other data.
        op.execute(
            "CREATE FUNCTION bump_reference_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE reference_stamp SET stamp = md5(random()::text || clock_timestamp()::text) WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER reference_stamp_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_stamp()"
            )
    else:
        # SQLite has row triggers only; these tables hold hundreds of rows and change only when seeded.
        for table in WATCHED:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(
                    f"CREATE TRIGGER reference_stamp_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
                    "UPDATE reference_stamp SET stamp = lower(hex(randomblob(16))) WHERE id = 1; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS reference_stamp_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_reference_stamp()")
    else:
        for table in WATCHED:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS reference_stamp_{table}_{event}")
    op.drop_table('reference_stamp')

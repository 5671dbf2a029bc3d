"""Tenants: who made each submission, and the quota in force when it entered.

A client key identifies a submission within its tenant: keys are stored as
``TENANT/KEY`` (earlier journals had one tenant, the operator); 0003 widens
the column for them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("tenant", sa.String(64), nullable=False,
                                   server_default="operator"))
        batch.add_column(sa.Column("limits", sa.JSON, nullable=True))
        batch.create_index("ix_submissions_tenant", ["tenant", "kind", "status"])
    op.execute("UPDATE submissions SET client_key = 'operator/' || client_key "
               "WHERE client_key IS NOT NULL")


def downgrade() -> None:
    op.execute("UPDATE submissions SET client_key = substr(client_key, 10) "
               "WHERE client_key LIKE 'operator/%'")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_tenant")
        batch.drop_column("limits")
        batch.drop_column("tenant")

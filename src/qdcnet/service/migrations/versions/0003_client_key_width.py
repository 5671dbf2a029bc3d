"""Client keys as wide as ``TENANT/KEY`` can be: a tenant's name (64), the slash, a key (200).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column("client_key", type_=sa.String(265), existing_type=sa.String(200),
                           existing_nullable=True)


def downgrade() -> None:
    # A key longer than 200 cannot go back: refused by the database, not cut.
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column("client_key", type_=sa.String(200), existing_type=sa.String(265),
                           existing_nullable=True)

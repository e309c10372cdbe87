"""Alerts become an outbox (state, chat, message); indexed documents with their agreement flag.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        # Rows written before the outbox were claimed and sent.
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="sent"))
        batch.add_column(sa.Column("chat_id", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("message", sa.Text, nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_alerts_state", ["state"])
    op.create_table(
        "documents",
        sa.Column("doc_id", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("date", sa.String(32), nullable=True),
        sa.Column("is_agreement", sa.Boolean, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("doc_id", name="pk_documents"),
    )
    op.create_index("ix_documents_state", "documents", ["state"])


def downgrade() -> None:
    op.drop_index("ix_documents_state", table_name="documents")
    op.drop_table("documents")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_state")
        batch.drop_column("sent_at")
        batch.drop_column("message")
        batch.drop_column("chat_id")
        batch.drop_column("state")

"""Table definitions (SQLAlchemy Core): the source of truth the migrations must match.

Telegram ids exceed 32 bits, hence BigInteger. Users, turns, answers and alerts carry plain user
ids rather than foreign keys to `users`: a handler may log an answer (an inline query, say) for a
user it never "touched", and that must not fail. Feedback does reference its answer, since a
rating without the answer it rates is useless as a regression case.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out: SQLite keeps no offset, so store UTC and re-attach it."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    # Telegram's language_code as last seen; the effective language is derived from it ...
    sa.Column("language_code", sa.String(35), nullable=True),
    # ... unless the user chose one with /lang (NULL = no explicit choice).
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

turns = sa.Table(
    "turns",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.JSON, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.JSON, nullable=False),
    sa.Column("elapsed_ms", sa.Float, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "answer_id",
        sa.Integer,
        sa.ForeignKey("answers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("rating", sa.SmallInteger, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("answer_id", "user_id"),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("chat_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("topic", sa.String(200), nullable=True),
    # casefolded topic, "" for "all agreements": a NULL would defeat the unique constraint.
    sa.Column("topic_key", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("user_id", "topic_key"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("story_id", sa.String(200), nullable=False),
    sa.Column("doc_id", sa.String(500), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    # The outbox: an alert is written "pending" with its message before anything is sent,
    # "sending" while one send is in flight, then "sent" or "blocked". A restart sends every
    # pending row and re-sends the "sending" ones (the only messages that may repeat).
    sa.Column("state", sa.String(16), nullable=False, server_default="sent"),
    sa.Column("chat_id", sa.BigInteger, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    # The at-most-one-alert-per-story guarantee lives here, not in application code.
    sa.UniqueConstraint("user_id", "story_id"),
    sa.Index("ix_alerts_state", "state"),
)

# Each indexed document version as the bot has seen it: written "pending" before the index
# update that adds it, "done" once its alerts are in the outbox. Whether it reports an
# agreement is decided once, here, so /latest is a lookup rather than a scan of the corpus.
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("doc_id", sa.String(500), primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("date", sa.String(32), nullable=True),
    sa.Column("is_agreement", sa.Boolean, nullable=True),  # NULL: not analysed yet
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_documents_state", "state"),
)

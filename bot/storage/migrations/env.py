"""Alembic environment: runs on the connection `Storage.open` passes in `config.attributes`.

There is deliberately no engine or logging set-up here: the bot owns both, and migrations run
inside its event loop through `AsyncConnection.run_sync`.
"""

from __future__ import annotations

from alembic import context

from bot.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("newsbot migrations run through bot.storage.migrate, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

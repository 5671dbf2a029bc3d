"""Alembic environment of the service's journal: runs on the connection the service hands it.

The service calls :func:`qdcnet.service.store.migrate`, which passes its open
connection in ``config.attributes["connection"]``; there is no alembic.ini.
"""

from alembic import context

from qdcnet.service.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()

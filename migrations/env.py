"""Alembic environment for Flask-Migrate and Flask-SQLAlchemy 3."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from survey.database import UTCDateTime

config = context.config
# Keep loggers the app (and pytest) already configured.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context) -> str | bool:
    """Write app column types as plain SQLAlchemy types, so revisions never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    """Emit SQL for the migrations without a database connection (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the app's own engine."""

    def process_revision_directives(context, revision, directives) -> None:
        # An autogenerate run that finds nothing writes no empty revision.
        if (
            getattr(config.cmd_opts, "autogenerate", False)
            and directives[0].upgrade_ops.is_empty()
        ):
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)

    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's constraints by copying it into a new table and
            # dropping the old one; with foreign keys on, that drop would cascade into the
            # rows that refer to it. Off for the migration (set outside any transaction, where
            # SQLite honours it), every reference checked after, then on again.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection, target_metadata=target_db.metadata, **conf_args
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

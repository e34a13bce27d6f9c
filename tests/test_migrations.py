"""The schema comes from Alembic, and the models agree with it."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from panel_service import migrate


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_database_is_at_head(engine):
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_every_migration_downgrades_and_upgrades_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    migrate.upgrade(url)
    command.downgrade(migrate.alembic_config(url), "base")
    engine = sa.create_engine(url)
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(url)
    assert {"appeal", "assignment", "audit_event"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from bot.db import Database, alembic_config
from bot.models import Base, Campaign


def test_migrations_build_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def head_and_tables(db: Database) -> tuple[str | None, set[str]]:
    with db.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        return revision, set(inspect(connection).get_table_names())


def test_upgrade_is_idempotent(db: Database) -> None:
    """Upgrading an up-to-date database (every start does) changes nothing and keeps data."""
    head = ScriptDirectory.from_config(alembic_config(db.url)).get_current_head()
    with db.session() as session:
        session.add(Campaign(code="spring", name="Spring webinar"))
    before = head_and_tables(db)
    assert before == (head, {*Base.metadata.tables, "alembic_version"})
    db.upgrade()
    db.upgrade()
    assert head_and_tables(db) == before
    with db.session() as session:
        assert session.scalars(select(Campaign.code)).all() == ["spring"]

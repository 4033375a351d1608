"""The schema comes from Alembic revisions: upgrade an empty database to head and back."""

import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from wol import create_app
from wol.extensions import db
from wol.paths import resource_dir


def _fresh_url(tmp_path) -> str:
    """An empty database: a new SQLite file, or a new schema on the test PostgreSQL."""
    base = os.environ.get("WOL_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS wol_migrate_test WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE wol_migrate_test"))
    engine.dispose()
    return base.rsplit("/", 1)[0] + "/wol_migrate_test"


def test_upgrade_to_head_and_downgrade_to_base(tmp_path):
    url = _fresh_url(tmp_path)
    app = create_app({"WOL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    directory = str(resource_dir("migrations"))
    with app.app_context():
        try:
            upgrade(directory=directory)
            tables = set(inspect(db.engine).get_table_names())
            assert {t.name for t in db.metadata.sorted_tables} <= tables
            downgrade(directory=directory, revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade(directory=directory)
        finally:
            db.engine.dispose()


def test_models_and_migrations_agree(tmp_path):
    """No model change without a revision: autogenerate finds nothing to do at head."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = _fresh_url(tmp_path)
    app = create_app({"WOL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            upgrade(directory=str(resource_dir("migrations")))
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": False})
                diff = compare_metadata(context, db.metadata)
        finally:
            db.engine.dispose()
    assert diff == []

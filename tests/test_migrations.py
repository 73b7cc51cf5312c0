"""One Alembic chain, the same schema on SQLite (embedded default) and PostgreSQL."""

import sqlalchemy as sa

from tests.conftest import AuthActions
from webapp import create_app


def _tables(url):
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    inspector = sa.inspect(engine)
    tables = {
        t: sorted(c["name"] for c in inspector.get_columns(t))
        for t in inspector.get_table_names()
        if t != "alembic_version"
    }
    engine.dispose()
    return tables


def test_sqlite_and_postgresql_get_the_same_schema(tmp_path, pg_url):
    url = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _tables(url) == _tables(pg_url)
    assert {
        "pensioner",
        "payment",
        "attestation",
        "alert",
        "audit_event",
        "agency",
        "staff_user",
        "job",
    } <= set(_tables(url))
    # The whole chain also goes down cleanly (so a bad deploy can be rolled back).
    assert app.test_cli_runner().invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert _tables(url) == {}
    app.extensions["db_engine"].dispose()


def test_embedded_default_runs_the_demo_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert "demo data created" in runner.invoke(args=["demo", "seed", "--if-empty"]).output
    client = app.test_client()
    AuthActions(client).login("DP100004")
    page = client.get("/space/payments").data.decode()
    assert "MAD" in page and "Payé par" in page
    ready = client.post("/space/attestation/2021/pdf").data.decode()
    assert "est prête" in ready
    app.extensions["db_engine"].dispose()

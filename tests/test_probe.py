"""An attacker's probe of every route and form field gets no 500, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from scripts.probe import probe, probe_config
from tests.conftest import _truncate
from webapp import create_app


def _assert_clean(report) -> None:
    lines = [f"{f.status} {f.role} {f.method} {f.url} [{f.payload}]" for f in report.findings]
    assert not lines, f"{len(lines)} of {report.requests} requests failed:\n" + "\n".join(
        lines[:40]
    )
    # The probe reached the views, not only the login redirects.
    assert report.requests > 3000
    assert report.statuses.get(422, 0) > 50 and report.statuses.get(200, 0) > 300


@pytest.mark.slow
def test_probing_every_route_on_sqlite_gives_no_500(tmp_path):
    app = create_app(probe_config(f"sqlite:///{tmp_path / 'probe.sqlite3'}"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    try:
        _assert_clean(probe(app))
    finally:
        app.extensions["db_engine"].dispose()


@pytest.mark.slow
def test_probing_every_route_on_postgresql_gives_no_500(pg_url):
    app = create_app(probe_config(pg_url))
    try:
        assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
        _assert_clean(probe(app))
    finally:
        _truncate(app)
        app.extensions["db_engine"].dispose()

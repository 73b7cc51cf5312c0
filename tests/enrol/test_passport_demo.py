"""`make run`'s embedded default (SQLite, jobs inline, DEMO=1): the demo buttons of procedure 1."""

from __future__ import annotations

import time

from sqlmodel import Session, select

from tests.enrol.passport_fixtures import new_enrolment
from webapp import create_app


def test_the_demo_buttons_scan_and_read_the_demo_passport_on_the_embedded_default(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "DEMO": True,
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        from webapp.db import get_session

        row = new_enrolment(get_session(), step="scan", lines=[])
        token, row_id = row.token, row.id
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["enrolment"] = token
    page = client.get("/enrol/passport/scan").data.decode()
    assert 'id="scan-demo"' in page
    scanned = client.post("/enrol/passport/scan", data={"demo": "1"})
    assert scanned.headers["Location"] == "/enrol/passport/chip"  # the real MRZ job read it
    assert 'id="chip-demo"' in client.get("/enrol/passport/chip").data.decode()
    client.post("/enrol/passport/chip/demo")
    deadline = time.monotonic() + 30
    status = client.get("/enrol/passport/chip/status")
    while status.status_code == 200 and time.monotonic() < deadline:
        assert "chip-error" not in status.data.decode()
        time.sleep(0.3)
        status = client.get("/enrol/passport/chip/status")
    assert status.headers["Location"] == "/enrol/passport/check"
    with Session(app.extensions["db_engine"]) as session:
        from webapp.models import Enrolment

        row = session.exec(select(Enrolment).where(Enrolment.id == row_id)).one()
        assert row.step == "check" and row.data["chip"]["document_number"] == "UT4821957"
    app.extensions["db_engine"].dispose()

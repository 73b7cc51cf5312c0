"""Operators import the registry and payments; bad files import nothing and name the line."""

from sqlmodel import select

from tests.conftest import AuthActions
from webapp.models import AuditEvent, Payment, Pensioner

HEADER = (
    "dp_number,last_name,first_name,birth_date,nationality,passport_number,id_number,"
    "email,gsm,address,city,country,language\n"
)
ROW1 = (
    "DP200001,Alami,Hassan,1947-02-03,MAR,AB9990001,BK11111,h.alami@example.ma,"
    "+212600000001,1 rue A,Rabat,MAR,ar\n"
)
ROW2 = (
    "DP200002,Dupont,Marie,1950-12-24,FRA,19FR0001,,m.dupont@example.fr,+33600000002,"
    "2 rue B,Paris,FRA,fr\n"
)
PAY_HEADER = "dp_number,period,pay_date,gross,igr,net,method\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_pensioners_creates_then_updates_without_duplicates(runner, db, tmp_path):
    path = write(tmp_path, "p.csv", HEADER + ROW1 + ROW2)
    result = runner.invoke(args=["registry", "import-pensioners", path])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    path2 = write(tmp_path, "p2.csv", HEADER + ROW1.replace("Rabat", "Salé") + ROW2)
    result = runner.invoke(args=["registry", "import-pensioners", path2])
    assert "0 created, 1 updated, 1 unchanged" in result.output
    rows = db.exec(select(Pensioner).order_by(Pensioner.dp_number)).all()
    assert [p.dp_number for p in rows] == ["DP200001", "DP200002"]
    assert rows[0].city == "Salé" and rows[0].last_name == "ALAMI" and rows[0].language == "ar"
    assert rows[0].account_status == "not_enrolled"


def test_one_bad_line_imports_nothing_and_names_the_line(runner, db, tmp_path):
    bad = ROW2.replace("1950-12-24", "1950-13-40")
    path = write(tmp_path, "p.csv", HEADER + ROW1 + bad + ROW1.replace("DP200001", "x") + ROW1)
    result = runner.invoke(args=["registry", "import-pensioners", path])
    assert result.exit_code == 1
    assert "p.csv:5: dp_number DP200001 appears twice in the file" in result.output
    assert "p.csv:3: birth_date must be a date" in result.output
    assert "p.csv:4: dp_number 'x'" in result.output
    assert "nothing was imported" in result.output
    assert db.exec(select(Pensioner)).all() == []


def test_wrong_header_is_refused(runner, tmp_path):
    path = write(tmp_path, "p.csv", "dp,name\nDP1,x\n")
    result = runner.invoke(args=["registry", "import-pensioners", path])
    assert result.exit_code == 1
    assert "header must be dp_number,last_name" in result.output


def test_import_payments_converts_mad_to_centimes_and_is_idempotent(runner, db, tmp_path):
    runner.invoke(args=["registry", "import-pensioners", write(tmp_path, "p.csv", HEADER + ROW1)])
    pay = PAY_HEADER + (
        "DP200001,2017-05,2017-06-01,11226.63,1347.20,9879.43,virement\n"
        "DP200001,2017-06,2017-07-01,11226.63,1347.20,9879.43,virement\n"
    )
    path = write(tmp_path, "pay.csv", pay)
    assert "2 created" in runner.invoke(args=["registry", "import-payments", path]).output
    assert "2 unchanged" in runner.invoke(args=["registry", "import-payments", path]).output
    payments = db.exec(select(Payment).order_by(Payment.period)).all()
    assert [(p.period, p.gross, p.igr, p.net) for p in payments] == [
        ("2017-05", 1122663, 134720, 987943),
        ("2017-06", 1122663, 134720, 987943),
    ]


def test_payment_lines_are_checked(runner, db, tmp_path):
    runner.invoke(args=["registry", "import-pensioners", write(tmp_path, "p.csv", HEADER + ROW1)])
    pay = PAY_HEADER + (
        "DP200001,2017-05,2017-06-01,100.00,10.00,90.00,virement\n"
        "DP999999,2017-05,2017-06-01,100.00,10.00,90.00,virement\n"
        "DP200001,2017-13,2017-06-01,100.00,10.00,90.00,virement\n"
        "DP200001,2017-07,2017-06-01,100.00,10.00,80.00,virement\n"
        "DP200001,2017-08,2017-06-01,1O0.00,10.00,90.00,virement\n"
    )
    result = runner.invoke(args=["registry", "import-payments", write(tmp_path, "pay.csv", pay)])
    assert result.exit_code == 1
    for expected in (
        ":3: unknown dp_number",
        ":4: period must be YYYY-MM",
        ":5: net must equal gross minus igr",
        ":6: gross must be an amount",
    ):
        assert expected in result.output
    assert db.exec(select(Payment)).all() == []


def test_reset_access_prints_a_temporary_password_that_must_be_changed(
    runner, client, db, tmp_path
):
    runner.invoke(args=["registry", "import-pensioners", write(tmp_path, "p.csv", HEADER + ROW1)])
    result = runner.invoke(args=["registry", "reset-access", "dp200001"])
    assert result.exit_code == 0
    password = result.output.strip()
    assert len(password) == 10
    response = AuthActions(client).login("DP200001", password)
    assert response.headers["Location"] == "/auth/password"
    assert client.get("/space/payments").headers["Location"] == "/auth/password"
    response = client.post(
        "/auth/password", data={"current": password, "new": "Nouveau2026", "confirm": "Nouveau2026"}
    )
    assert response.headers["Location"] == "/space/"
    assert client.get("/space/payments").status_code == 200
    db.expire_all()
    pensioner = db.exec(select(Pensioner)).one()
    assert pensioner.account_status == "active" and not pensioner.must_change_password
    actions = {e.action for e in db.exec(select(AuditEvent)).all()}
    assert {"access_reset", "login", "password_changed"} <= actions


def test_reset_access_for_unknown_dp_fails(runner):
    result = runner.invoke(args=["registry", "reset-access", "DP404"])
    assert result.exit_code == 1
    assert "unknown dp_number" in result.output


def test_demo_seed_runs_once(runner, db):
    assert "demo data created" in runner.invoke(args=["demo", "seed"]).output
    assert "already present" in runner.invoke(args=["demo", "seed"]).output
    assert len(db.exec(select(Pensioner)).all()) == 7
    counts = {
        p.dp_number: len(db.exec(select(Payment).where(Payment.pensioner_id == p.id)).all())
        for p in db.exec(select(Pensioner)).all()
    }
    assert min(counts.values()) >= 8 * 12

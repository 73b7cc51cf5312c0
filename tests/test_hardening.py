"""Start-up secrets, redirects, body sizes, proxies, control characters, small holes."""

from __future__ import annotations

import base64
import os
import re

import pytest
from sqlmodel import select

from webapp import create_app
from webapp.config import Config
from webapp.models import AuditEvent, Pensioner

# --- 5. secrets at start-up ---------------------------------------------------


def _make(monkeypatch, pg_url, env: str | None = None, **config):
    if env:
        monkeypatch.setenv("APP_ENV", env)
    else:
        monkeypatch.delenv("APP_ENV", raising=False)
    app = create_app({"DATABASE_URL": pg_url, **config})
    app.extensions["db_engine"].dispose()
    return app


STRONG = base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_the_default_secret_key_is_refused_outside_debug_testing_and_demo(monkeypatch, pg_url):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        _make(monkeypatch, pg_url, SECRET_KEY=Config.SECRET_KEY)
    for relaxed in ({"TESTING": True}, {"DEMO": True}, {"DEBUG": True}):
        _make(monkeypatch, pg_url, SECRET_KEY=Config.SECRET_KEY, **relaxed)


def test_production_needs_a_long_random_secret_key_and_a_template_key(monkeypatch, pg_url):
    key = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    for weak in ("a", "prod-secret", "x" * 40, Config.SECRET_KEY):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            _make(monkeypatch, pg_url, "production", SECRET_KEY=weak, TEMPLATE_KEY=key)
    with pytest.raises(RuntimeError, match="TEMPLATE_KEY"):
        _make(monkeypatch, pg_url, "production", SECRET_KEY=STRONG, TEMPLATE_KEY="")
    with pytest.raises(RuntimeError, match="TEMPLATE_KEY"):
        _make(monkeypatch, pg_url, "production", SECRET_KEY=STRONG, TEMPLATE_KEY="not a key!")
    app = _make(monkeypatch, pg_url, "production", SECRET_KEY=STRONG, TEMPLATE_KEY=key)
    assert app.config["SESSION_COOKIE_SECURE"]


def test_every_valid_base64url_template_key_is_accepted(monkeypatch, pg_url):
    from face_engine.templates import load_key

    for _ in range(200):
        raw = os.urandom(32)
        padded = base64.urlsafe_b64encode(raw).decode()
        assert load_key(padded) == raw
        assert load_key(padded.rstrip("=")) == raw
        assert load_key(base64.b64encode(raw).decode()) == raw


# --- 6. open redirects --------------------------------------------------------

BAD_NEXT = [
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "/ok\r\nSet-Cookie: x=1",
    "javascript:alert(1)",
    " //evil.example",
    "/%2F/evil.example/../",
]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_login_never_redirects_off_site(client, demo, target):
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"dp_number": "DP100001", "password": "Demo2026!"},
    )
    if any(ord(c) < 32 for c in target):  # refused at the edge, never a 500
        assert response.status_code == 400
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location and "evil.example" not in location.split("?")[0].split("/")[1]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_language_switch_never_redirects_off_site(client, target):
    plain = client.post("/lang/en", data={"next": target})
    htmx = client.post("/lang/ar", data={"next": target}, headers={"HX-Request": "true"})
    for location in (plain.headers["Location"], htmx.headers["HX-Redirect"]):
        assert location.startswith("/") and not location.startswith("//")
        assert "evil.example" not in location


def test_a_same_site_next_is_kept(client, demo):
    response = client.post(
        "/auth/login",
        query_string={"next": "/space/payments?year=2024"},
        data={"dp_number": "DP100001", "password": "Demo2026!"},
    )
    assert response.headers["Location"] == "/space/payments?year=2024"


# --- 7. body sizes ------------------------------------------------------------


def _post_chunked(app, path: str, size: int, content_type: str, cookie: str | None = None):
    """POST ``size`` bytes with no Content-Length, as a chunked upload arrives."""
    from io import BytesIO

    from werkzeug.test import EnvironBuilder, run_wsgi_app
    from werkzeug.wrappers import Response

    headers = {"Cookie": f"dv_session={cookie}"} if cookie else {}
    environ = EnvironBuilder(
        path=path, method="POST", content_type=content_type, headers=headers
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = BytesIO(b"a" * size)
    environ["wsgi.input_terminated"] = True
    body, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    return Response(b"".join(body), status, response_headers)


def test_a_huge_login_post_is_refused_with_413(client):
    response = client.post(
        "/auth/login",
        data=b"dp_number=" + b"A" * (2 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert b"trop volumineuse" in response.data


def test_a_chunked_body_without_length_is_limited_too(app):
    form = "application/x-www-form-urlencoded"
    assert _post_chunked(app, "/auth/login", 4 * 1024 * 1024, form).status_code == 413
    assert _post_chunked(app, "/auth/login", 1024, form).status_code == 422


def test_the_relay_takes_a_small_body_and_deep_json_is_a_400(app, client):
    huge = _post_chunked(app, "/nfc/sessions/abc/exchange", 8 * 1024 * 1024, "application/json")
    assert huge.status_code == 413
    deep = client.post(
        "/nfc/sessions/abc/exchange", data="[" * 100_000, content_type="application/json"
    )
    assert deep.status_code in (400, 404)


def test_a_chunked_selfie_upload_is_limited(app, client, demo, auth):
    auth.login()
    cookie = client.get_cookie("dv_session").value
    multipart = "multipart/form-data; boundary=xyz"
    response = _post_chunked(app, "/space/proof/upload", 64 * 1024 * 1024, multipart, cookie)
    assert response.status_code == 413


# --- 8. proxies ---------------------------------------------------------------


def test_behind_trusted_proxies_limits_and_audit_see_the_client(pg_url, demo, db):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "TRUSTED_PROXIES": 1,
            "LOGIN_IP_LIMIT": "2 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    client = app.test_client()

    def login(client_ip: str, password: str = "bad"):
        return client.post(
            "/auth/login",
            data={"dp_number": "DP100001", "password": password},
            headers={"X-Forwarded-For": f"6.6.6.6, {client_ip}"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )

    assert [login("192.0.2.1").status_code for _ in range(3)] == [422, 422, 429]
    assert login("192.0.2.2", "Demo2026!").status_code == 302
    app.extensions["db_engine"].dispose()
    ips = {e.ip for e in db.exec(select(AuditEvent)).all()}
    assert ips == {"192.0.2.1", "192.0.2.2"}


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, demo, db):
    client.post(
        "/auth/login",
        data={"dp_number": "DP100001", "password": "bad"},
        headers={"X-Forwarded-For": "192.0.2.9"},
    )
    assert {e.ip for e in db.exec(select(AuditEvent)).all()} == {"127.0.0.1"}


# --- 9. control characters, on PostgreSQL -------------------------------------

CONTROL = "non autorisés".encode()


def test_nul_in_the_login_dp_gets_a_field_message(client, demo):
    response = client.post("/auth/login", data={"dp_number": "DP10\x000001", "password": "x"})
    assert response.status_code == 422
    assert re.search(
        rb'id="dp_number-error"[^>]*>(<span[^<]*</span>)?[^<]*non autoris', response.data
    )


def test_nul_in_the_staff_email_gets_a_field_message(client, demo):
    response = client.post("/staff/login", data={"email": "a\x00@b.ma", "password": "x"})
    assert response.status_code == 422 and CONTROL in response.data


def test_control_characters_in_contact_fields_save_nothing(client, demo, auth, db):
    auth.login()
    for field in ("city", "address", "gsm", "email"):
        response = client.post(
            "/space/contact", data={field: "Rabat\x00\x1b", "country": "MAR", "password": "x"}
        )
        assert response.status_code == 422 and CONTROL in response.data
    p = db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
    assert "\x00" not in (p.city or "") + (p.address or "")


def test_nul_in_the_staff_search_is_refused_clearly(client, demo, auth):
    auth.staff_login()
    response = client.get("/staff/", query_string={"q": "DP1\x00"})
    assert response.status_code == 400 and CONTROL in response.data
    assert client.get("/staff/", query_string={"q": "DP1"}).status_code == 200


def test_a_database_error_page_rolls_back_first(app, client, demo, auth):
    """An error raised mid-transaction still renders its page (the session is rolled back)."""
    from sqlalchemy import text

    from webapp.db import get_session

    @app.route("/_boom")
    def boom():
        get_session().execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    auth.login()
    response = client.get("/_boom")
    assert response.status_code == 500 and b"Une erreur est survenue" in response.data


# --- 13. small ones -----------------------------------------------------------


def test_a_huge_attestation_year_is_a_404(client, demo, auth):
    auth.login()
    assert client.get("/space/attestation/99999999999999999999.pdf").status_code == 404
    assert client.post("/space/attestation/99999999999999999999/pdf").status_code == 404
    auth.staff_login()
    assert client.get("/staff/pensioners/99999999999999999999").status_code == 404


def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_staff_search_treats_percent_and_underscore_literally(client, demo, auth):
    auth.staff_login()
    everyone = client.get("/staff/", query_string={"q": "%%"}).data.decode()
    assert "DP100001" not in everyone
    assert "DP100001" not in client.get("/staff/", query_string={"q": "__"}).data.decode()


# --- 10. relay ----------------------------------------------------------------


def test_relay_tokens_stay_out_of_the_dev_server_log(client, caplog):
    import logging

    from webapp.hardening import RelayTokenFilter

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "POST /nfc/sessions/SeCrEt-token_1/exchange HTTP/1.1", 200),
        None,
    )
    assert RelayTokenFilter().filter(record)
    assert "SeCrEt" not in record.getMessage() and "/nfc/sessions/[redacted]/exchange" in (
        record.getMessage()
    )
    assert any(isinstance(f, RelayTokenFilter) for f in logging.getLogger("werkzeug").filters)


def test_relay_tokens_stay_out_of_the_gunicorn_access_log():
    import runpy

    from gunicorn.config import Config as GunicornConfig

    conf = runpy.run_path("gunicorn.conf.py")
    logger = conf["RedactingLogger"](GunicornConfig())

    class Req:
        method, path, query, uri = "POST", "/nfc/sessions/SeCrEt/exchange", "", ""
        version, headers = (1, 1), []

    class Resp:
        status, sent, headers = "200 OK", 10, []

    environ = {
        "RAW_URI": "/nfc/sessions/SeCrEt/exchange",
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/nfc/sessions/SeCrEt/exchange",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    from datetime import timedelta

    atoms = logger.atoms(Resp(), Req(), environ, timedelta(seconds=0.1))
    assert "SeCrEt" not in atoms["r"] and "SeCrEt" not in atoms["U"]


def test_demo_relay_sessions_are_rate_limited(pg_url):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "x",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    client = app.test_client()
    codes = [client.post("/nfc/demo/sessions").status_code for _ in range(12)]
    app.extensions["db_engine"].dispose()
    assert codes[0] == 201 and codes[-1] == 429


def test_nul_in_the_agency_visit_dp_is_a_clear_400_not_a_500(client, demo):
    response = client.post(
        "/enrol/agency/visit/login", data={"dp_number": "DP10\x000001", "code": "123456"}
    )
    assert response.status_code in (400, 422)
    if response.status_code == 400:
        assert CONTROL in response.data

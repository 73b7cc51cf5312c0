"""Probe every route the way an attacker would and report each 500.

For every rule of the URL map, as an anonymous visitor, a pensioner and a
staff administrator, the probe sends GET requests with hostile query strings
and POST requests whose every known field (collected from the app's own
pages) carries one hostile value: empty, huge, malformed percent-encoding,
Unicode, NUL and control characters, SQL and script. Path parameters get
small, huge and hostile values too, and the JSON endpoints get deep and
malformed bodies. Any 500 (or exception) is a finding.

Used by ``tests/test_probe.py`` on SQLite and PostgreSQL; also runnable::

    .venv/bin/python scripts/probe.py            # the embedded SQLite demo, fresh
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient

PAYLOADS: dict[str, str] = {
    "empty": "",
    "huge": "A" * 70_000,
    "malformed": "%zz%%\ufffd",
    "unicode": "أحمد ÉÈ 😀 \u202e\u200b",
    "nul": "DP10\x000001",
    "control": "a\x1b[31m\r\nb\x7f",
    "sql": "' OR 1=1; DROP TABLE pensioner; --",
    "script": '<script>alert(1)</script>"><img src=x onerror=alert(1)>',
    "like": "%_%",
    "number": "99999999999999999999",
}
# Query strings: the smaller set (hostile, not huge: URLs have their own limits).
QUERY_PAYLOADS = ("empty", "nul", "sql", "script", "number", "unicode", "like")
PATH_VALUES = {
    "int": ["1", "0", "99999999999999999999"],
    "default": ["1", quote("' OR 1=1--", safe=""), quote("é😀", safe=""), "%00", "A" * 300],
}
JSON_BODIES = [b"{", b"[" * 50_000, b'"\\u0000"']
# Bodies shaped like the passport relay's, for the JSON endpoints.
RELAY_BODIES = [
    b'{"seq": 99999999999999999999999, "responses": ["zz"]}',
    b'{"seq": 0, "responses": [' + b'"00",' * 70 + b'"00"]}',
    b'{"seq": 0, "responses": ["9000"], "max_apdu": 1e400}',
]
QUERY_NAMES = ("q", "next", "year", "page", "lang", "code", "token")
SKIP_ENDPOINTS = {"static"}


@dataclass
class Finding:
    role: str
    method: str
    url: str
    payload: str
    status: int | str


@dataclass
class Report:
    requests: int = 0
    findings: list[Finding] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def _login(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role == "pensioner":
        client.post("/auth/login", data={"dp_number": "DP100001", "password": "Demo2026!"})
    elif role == "staff":
        client.post(
            "/staff/login", data={"email": "admin@demo.dialvie.ma", "password": "Admin2026!"}
        )
    return client


def _urls(rule) -> Iterator[str]:
    """The rule's path with each parameter set to each probe value (one at a time)."""
    parts = re.split(r"<([^>]+)>", rule.rule)
    params = parts[1::2]
    if not params:
        yield rule.rule
        return
    for i, _ in enumerate(params):
        converter = params[i].split(":")[0] if ":" in params[i] else "default"
        for value in PATH_VALUES.get(converter, PATH_VALUES["default"]):
            built = []
            for j, piece in enumerate(parts):
                if j % 2 == 0:
                    built.append(piece)
                else:
                    conv = piece.split(":")[0] if ":" in piece else "default"
                    own = value if (j - 1) // 2 == i else PATH_VALUES.get(conv, ["1"])[0]
                    built.append(own)
            yield "".join(built)


def field_names(app: Flask) -> list[str]:
    """Every form field name found on the app's GET pages, for every role."""
    names: set[str] = {"csrf_token"}
    for role in ("anonymous", "pensioner", "staff"):
        client = _login(app, role)
        for rule in app.url_map.iter_rules():
            if (
                rule.endpoint in SKIP_ENDPOINTS
                or "GET" not in (rule.methods or set())
                or rule.arguments
            ):
                continue
            page = client.get(rule.rule).get_data(as_text=True)
            names.update(re.findall(r'\sname="([A-Za-z_][\w-]*)"', page))
    names.discard("csrf_token")
    return sorted(names)


def probe(app: Flask, roles: tuple[str, ...] = ("anonymous", "pensioner", "staff")) -> Report:
    """Send the hostile requests; every 500 or exception becomes a finding."""
    report = Report()
    fields = field_names(app)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP_ENDPOINTS]
    for role in roles:
        for rule in sorted(rules, key=lambda r: r.rule):
            for url in _urls(rule):
                client = _login(app, role)  # logouts and password changes end sessions
                if "GET" in (rule.methods or set()):
                    for name in QUERY_PAYLOADS:
                        query = {key: PAYLOADS[name] for key in QUERY_NAMES}
                        _send(report, client, role, "GET", url, name, query_string=query)
                if "POST" in (rule.methods or set()):
                    for name, value in PAYLOADS.items():
                        data = {key: value for key in fields}
                        _send(report, client, role, "POST", url, name, data=data)
                    _send(
                        report,
                        client,
                        role,
                        "POST",
                        url,
                        "multipart",
                        data={"frames": [(_bytes(b"\xff\xd8\xff" + b"0" * 100), "a.jpg")]},
                        content_type="multipart/form-data",
                    )
                    bodies = JSON_BODIES + (RELAY_BODIES if url.startswith("/nfc/") else [])
                    for body in bodies:
                        _send(
                            report,
                            client,
                            role,
                            "POST",
                            url,
                            f"json:{body[:12]!r}",
                            data=body,
                            content_type="application/json",
                        )
    return report


def _bytes(data: bytes):
    from io import BytesIO

    return BytesIO(data)


def _send(report: Report, client: FlaskClient, role: str, method: str, url: str, name: str, **kw):
    report.requests += 1
    try:
        response = client.open(url, method=method, **kw)
        status: int | str = response.status_code
        response.close()
    except Exception as exc:  # a crash the error handlers did not catch
        status = f"{type(exc).__name__}: {exc}"[:200]
    if isinstance(status, int):
        report.statuses[status] = report.statuses.get(status, 0) + 1
    # 503 is a deliberate answer (a service not configured, e.g. web push without keys).
    if not isinstance(status, int) or (status >= 500 and status != 503):
        report.findings.append(Finding(role, method, url, name, status))


def main() -> int:  # pragma: no cover - a manual run
    import os
    import tempfile

    os.environ.setdefault("DV_FAST_HASHING", "1")
    from webapp import create_app

    folder = tempfile.mkdtemp(prefix="dv-probe-")
    app = create_app(probe_config(f"sqlite:///{folder}/probe.sqlite3"))
    runner = app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    runner.invoke(args=["demo", "seed"])
    report = probe(app)
    print(f"{report.requests} requests; statuses {dict(sorted(report.statuses.items()))}")
    for f in report.findings:
        print(f"{f.status}  {f.role:9} {f.method:4} {f.url}  [{f.payload}]")
    return 1 if report.findings else 0


def probe_config(database_url: str) -> dict:
    """An app configuration for probing: no CSRF or rate limits, no lock-outs."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "probe-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": "",
        "PUBLIC_BASE_URL": "http://localhost",
        "LOGIN_FREE_FAILURES": 10**6,
        "LOGIN_ACCOUNT_FREE_FAILURES": 10**6,
        "DEMO": True,
    }


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

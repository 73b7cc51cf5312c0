"""Shared fixtures: a real PostgreSQL database migrated with Alembic, the app, clients."""

from __future__ import annotations

import os
import uuid

# Cheap Argon2 parameters: the suite hashes hundreds of demo passwords.
os.environ.setdefault("DV_FAST_HASHING", "1")
# No scheduler thread in tests: they run the daily cycle themselves, on their clock.
os.environ.setdefault("SCHEDULER", "off")

from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import text

from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.services import postgres_server_url, redis_url
from webapp import create_app

TABLES = [
    "alert",
    "audit_event",
    "job",
    "attestation",
    "payment",
    "staff_user",
    "agency",
    "pensioner",
]


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test run, migrated to head, dropped at the end."""
    server = postgres_server_url()
    name = f"dv_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + "/" + name
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    app.extensions["db_engine"].dispose()
    yield url
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(app) -> None:
    from webapp.db import engine

    with app.app_context(), engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            existing = [
                t for t in TABLES if conn.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()
            ]
            extra = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            ]
            names = sorted(set(existing) | set(extra))
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(pg_url):
    """The app on the test database; every table is emptied after the test."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": "",
            "PUBLIC_BASE_URL": "http://localhost",
        }
    )
    yield app
    _truncate(app)
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A database session of its own (no app context is kept pushed: requests made by the
    test client must get their own context, as in production)."""
    from sqlmodel import Session

    session = Session(app.extensions["db_engine"], expire_on_commit=False)
    yield session
    session.close()


@pytest.fixture
def demo(app):
    """The demo data set (agencies, staff, pensioners with payments and alerts)."""
    from webapp.db import get_session
    from webapp.services import demo as demo_service

    with app.app_context():
        demo_service.seed(get_session())
    return demo_service


class AuthActions:
    """Log in and out as a pensioner or a staff member."""

    def __init__(self, client):
        self._client = client

    def login(self, dp_number="DP100001", password="Demo2026!"):
        return self._client.post("/auth/login", data={"dp_number": dp_number, "password": password})

    def staff_login(self, email="conseiller@demo.dialvie.ma", password="Conseil2026!"):
        return self._client.post("/staff/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    """Login helper bound to ``client``."""
    return AuthActions(client)


@pytest.fixture(scope="session")
def redis_server_url():
    """A real Redis server URL."""
    return redis_url()


@pytest.fixture
def make_rq_app(pg_url, redis_server_url):
    """Build apps whose jobs go to a real Redis, each on a queue of its own; cleaned up after."""
    from redis import Redis
    from rq import Queue

    apps = []

    def make(prefix: str = "test", **overrides):
        config = {
            "TESTING": True,
            "DATABASE_URL": pg_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": redis_server_url,
            "RQ_QUEUE": f"{prefix}-{uuid.uuid4().hex[:8]}",
            "PUBLIC_BASE_URL": "http://localhost",
            **overrides,
        }
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(redis_server_url)).delete(
            delete_jobs=True
        )
        _truncate(app)
        app.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver, one for the session (see tests/chromium.py)."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()

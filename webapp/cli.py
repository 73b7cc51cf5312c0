"""Operator commands: database migrations, registry import, demo data, workers."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .db import get_session
from .errors import ImportRejected

db_cli = AppGroup("db", help="Database migrations (Alembic).")
registry_cli = AppGroup("registry", help="Import the pensioner registry and payments.")
demo_cli = AppGroup("demo", help="Demo data for trying the app.")
jobs_cli = AppGroup("jobs", help="Background jobs (RQ).")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config():
    """Alembic configuration pointing at this app's database."""
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = current_app.config["DATABASE_URL"]
    return cfg


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every head, so parallel branches all apply)."""
    from alembic import command

    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    from alembic import command

    command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models."""
    from alembic import command

    command.revision(alembic_config(), message=message, autogenerate=True)


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision."""
    from alembic import command

    command.current(alembic_config())


def _import(kind: str, path: str) -> None:
    from .services import registry

    text = Path(path).read_text(encoding="utf-8-sig")
    func = registry.import_pensioners if kind == "pensioners" else registry.import_payments
    try:
        report = func(get_session(), text)
    except ImportRejected as exc:
        for line, why in exc.errors:
            click.echo(f"{path}:{line}: {why}", err=True)
        click.echo(f"rejected: {len(exc.errors)} bad line(s); nothing was imported", err=True)
        sys.exit(1)
    click.echo(
        f"{kind}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
    )


@registry_cli.command("import-pensioners")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
def import_pensioners(csv_file: str) -> None:
    """Import pensioners (dp_number,last_name,first_name,birth_date,...)."""
    _import("pensioners", csv_file)


@registry_cli.command("import-payments")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
def import_payments(csv_file: str) -> None:
    """Import monthly payments (dp_number,period,pay_date,gross,igr,net,method)."""
    _import("payments", csv_file)


@registry_cli.command("reset-access")
@click.argument("dp_number")
def reset_access(dp_number: str) -> None:
    """Set a temporary password (printed once) to be changed at next login."""
    from .services import registry

    try:
        password = registry.reset_access(get_session(), dp_number)
    except registry.UnknownPensioner as exc:
        click.echo(f"unknown dp_number {exc.dp_number!r}", err=True)
        sys.exit(1)
    click.echo(password)


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when pensioners already exist.")
def demo_seed(if_empty: bool) -> None:
    """Agencies, staff, pensioners with 8 years of payments, and alerts."""
    from .services import demo

    created = demo.seed(get_session(), if_empty=if_empty)
    click.echo("demo data created" if created else "demo data already present")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for this app's queue (needs REDIS_URL)."""
    from rq import Queue

    from .services.tasks import redis_connection
    from .worker import AppWorker

    url = current_app.config["REDIS_URL"]
    if not url:
        click.echo("REDIS_URL is not set: jobs run inline, no worker needed.", err=True)
        sys.exit(2)
    conn = redis_connection(url)
    queue = Queue(current_app.config["RQ_QUEUE"], connection=conn)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    AppWorker([queue], connection=conn, app=app).work(burst=burst, with_scheduler=True)


notify_cli = AppGroup("notify", help="Messages (SMS, e-mail) waiting to be sent.")
enrol_cli = AppGroup("enrol", help="Enrolments (« S'inscrire »).")


@notify_cli.command("retry")
def notify_retry() -> None:
    """Send again the messages a provider refused or delayed (run it from cron)."""
    from .services import notify

    click.echo(f"{notify.retry_pending(get_session())} message(s) queued again")


@enrol_cli.command("expire")
def enrol_expire() -> None:
    """End the unfinished enrolments past their resume time (run it daily)."""
    from .services import enrolment

    click.echo(f"{enrolment.expire_stale(get_session())} enrolment(s) expired")


@jobs_cli.command("cron")
@click.option("--every", default=10, show_default=True, help="Minutes between two ticks.")
def cron(every: int) -> None:
    """Run RQ's cron scheduler: the daily cycle's tick every few minutes (needs REDIS_URL).

    Run one per deployment (more are harmless: the day is claimed in the
    database); workers (``flask jobs worker``) execute the ticks.
    """
    from rq.cron import CronScheduler

    from .services.tasks import _resolve, redis_connection

    url = current_app.config["REDIS_URL"]
    if not url:
        click.echo("REDIS_URL is not set: the web process schedules by itself.", err=True)
        sys.exit(2)
    scheduler = CronScheduler(connection=redis_connection(url))
    tick = _resolve("jobs.daily:tick")  # by path: the web side never imports jobs
    scheduler.register(tick, current_app.config["RQ_QUEUE"], interval=every * 60)
    scheduler.start()

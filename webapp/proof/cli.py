"""``flask proof``: the daily job, frame purge, lost-job recovery and the demo reference."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from sqlmodel import select

from ..db import get_session
from ..services import tasks

proof_cli = AppGroup("proof", help="Proof of life: daily job, purge, demo reference.")


@proof_cli.command("daily")
@click.option("--today", help="Run as if today were this date (YYYY-MM-DD).")
@click.option("--enqueue", is_flag=True, help="Enqueue on RQ instead of running here.")
def daily(today: str | None, enqueue: bool) -> None:
    """Reminders, suspensions after the deadline, frame purge, lost-job recovery."""
    if enqueue:
        click.echo(tasks.enqueue("proof_daily", "jobs.daily:run_daily", today))
        return
    result = tasks.run_now("jobs.daily:run_daily", today)
    click.echo(json.dumps(result, ensure_ascii=False))


@proof_cli.command("tick")
def tick() -> None:
    """Run today's cycle if it is due and nobody ran it (for a cron line every 10 min)."""
    result = tasks.run_now("jobs.daily:tick")
    click.echo(json.dumps(result, ensure_ascii=False))


@proof_cli.command("purge")
def purge() -> None:
    """Delete the frames of attempts past the dispute window."""
    from ..services import proof_store

    click.echo(f"{proof_store.purge_frames(get_session())} attempt(s) purged")


@proof_cli.command("demo-reference")
@click.argument("dp_number", default="DP100001")
@click.argument("image", required=False, type=click.Path(exists=True, dir_okay=False))
def demo_reference(dp_number: str, image: str | None) -> None:
    """Give DP_NUMBER a reference template from IMAGE (default: skimage's astronaut)."""
    import face_engine

    from ..models import Pensioner
    from ..services import proof_store

    session = get_session()
    pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == dp_number)).first()
    if pensioner is None:
        click.echo(f"no pensioner {dp_number} (run: flask demo seed)", err=True)
        sys.exit(1)
    if image:
        with open(image, "rb") as handle:
            picture = handle.read()
    else:
        picture = proof_store.astronaut_jpeg()
    try:
        proof_store.set_reference(session, pensioner, picture, "demo")
    except face_engine.FaceEngineError as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(1)
    click.echo(f"reference set for {dp_number}")

"""``flask push``: the VAPID key pair and a test notification."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

push_cli = AppGroup("push", help="Web push: VAPID keys, test notifications.")


@push_cli.command("init-keys")
@click.option(
    "--force", is_flag=True, help="Replace an existing pair (every device must re-subscribe)."
)
def init_keys(force: bool) -> None:
    """Create the VAPID key pair once, in instance/config.py (never in the repository)."""
    from ..services.push import generate_keys

    path = Path(current_app.instance_path) / "config.py"
    text = path.read_text() if path.exists() else ""
    if "VAPID_PRIVATE_KEY" in text and not force:
        click.echo(f"VAPID keys already in {path} (use --force to replace them).", err=True)
        sys.exit(1)
    lines = [
        line
        for line in text.splitlines()
        if not line.startswith(("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"))
    ]
    private, public = generate_keys()
    lines += [f'VAPID_PRIVATE_KEY = "{private}"', f'VAPID_PUBLIC_KEY = "{public}"']
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    click.echo(f"VAPID key pair written to {path}; public key: {public}")


@push_cli.command("send-test")
@click.argument("dp_number")
def send_test(dp_number: str) -> None:
    """Send a test notification to every device of a pensioner."""
    from sqlmodel import select

    from ..db import get_session
    from ..models import Pensioner
    from ..services import push

    session = get_session()
    pensioner = session.exec(select(Pensioner).where(Pensioner.dp_number == dp_number)).first()
    if pensioner is None or pensioner.id is None:
        click.echo(f"no pensioner {dp_number}", err=True)
        sys.exit(1)
    sent = push.send_to_pensioner(
        session, pensioner.id, push.Message(title="DialVie", body="Test", topic="test")
    )
    click.echo(f"sent to {sent} device(s)")

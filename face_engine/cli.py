"""Operator and audit commands: ``flask face verify``, ``check`` and ``burst``.

A plain click group: the web app registers it with
``app.cli.add_command(face)``, and ``python -m face_engine`` runs it alone.
Exit status: 0 when a decision or a quality result was printed (even a
refusal), 2 when an input cannot be read, with a one-line message on stderr.

``verify --json`` prints ``{"decision", "distance", "quality"}``; the quality
codes are the selfie's, then the reference picture's prefixed ``reference:``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click

from face_engine.burst import check_burst
from face_engine.errors import FaceEngineError
from face_engine.liveness import ACTIONS, Challenge
from face_engine.match import verify
from face_engine.quality import check_quality

EXIT_UNREADABLE = 2


@click.group(name="face")
def face() -> None:
    """Face matching and picture quality checks."""


@face.command("verify")
@click.argument("reference_image", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("selfie_image", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify_command(reference_image: Path, selfie_image: Path, as_json: bool) -> None:
    """Compare SELFIE_IMAGE with REFERENCE_IMAGE and print the decision."""
    reference = _read(reference_image, as_json)
    selfie = _read(selfie_image, as_json)
    try:
        decision = verify(reference, selfie)
    except FaceEngineError as exc:
        _fail(str(exc), exc.code, as_json)
    if as_json:
        out = decision.to_dict()
        # Exactly the three documented keys; a refused reference picture's
        # reasons follow the selfie's, prefixed so an operator sees which.
        quality = out["quality"] + [f"reference:{code}" for code in out["reference_quality"]]
        click.echo(
            json.dumps(
                {"decision": out["decision"], "distance": out["distance"]} | {"quality": quality}
            )
        )
        return
    distance = "n/a" if decision.distance is None else f"{decision.distance:.3f}"
    line = f"{decision.decision} (distance {distance})"
    if decision.quality:
        line += "; selfie: " + ", ".join(r.code for r in decision.quality)
    if decision.reference_quality:
        line += "; reference: " + ", ".join(r.code for r in decision.reference_quality)
    click.echo(line)


@face.command("check")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check_command(image: Path, as_json: bool) -> None:
    """Run the quality gate on IMAGE and print the reasons for refusal, if any."""
    data = _read(image, as_json)
    try:
        result = check_quality(data)
    except FaceEngineError as exc:
        _fail(str(exc), exc.code, as_json)
    if as_json:
        out: dict[str, Any] = result.to_dict()
        click.echo(json.dumps({k: out[k] for k in ("ok", "quality", "measures")}))
        return
    if result.ok:
        click.echo(f"ok {_measures(result.measures)}")
    else:
        codes = ", ".join(r.code for r in result.reasons)
        click.echo(f"refused: {codes} {_measures(result.measures)}")


@face.command("burst")
@click.argument("reference_image", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("frames", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--actions",
    default="blink,turn_left",
    show_default=True,
    help="The two asked actions, in order, among blink, turn_left, turn_right.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def burst_command(reference_image: Path, frames: tuple[Path, ...], actions: str, as_json: bool):
    """Replay the liveness and match checks on kept FRAMES (audits, disputes).

    Freshness is not judged here: the nonce and expiry belong to the original
    attempt's record.
    """
    asked = tuple(a.strip() for a in actions.split(","))
    if len(asked) != 2 or len(set(asked)) != 2 or not set(asked) <= set(ACTIONS):
        raise click.BadParameter(f"two distinct actions among {', '.join(ACTIONS)}")
    reference = _read(reference_image, as_json)
    pictures = [_read(path, as_json) for path in frames]
    replay = Challenge((asked[0], asked[1]), "audit", datetime.now(UTC) + timedelta(hours=1))
    try:
        result = check_burst(pictures, replay, reference)
    except FaceEngineError as exc:
        _fail(str(exc), exc.code, as_json)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
        return
    distance = result.match.distance if result.match is not None else None
    shown = "n/a" if distance is None else f"{distance:.3f}"
    codes = ", ".join(r.code for r in result.reasons)
    click.echo(f"{result.decision} (distance {shown})" + (f": {codes}" if codes else ""))


def _measures(measures: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in measures.items())


def _read(path: Path, as_json: bool) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}", "unreadable_file", as_json)


def _fail(message: str, code: str, as_json: bool) -> NoReturn:
    if as_json:
        click.echo(json.dumps({"error": code, "message": message}))
    click.echo(f"error: {message}", err=True)
    raise SystemExit(EXIT_UNREADABLE)

"""``flask mrz read IMAGE [--json]``, also ``python -m mrz_reader read IMAGE``.

A plain click group: the web app registers it with ``app.cli.add_command(mrz)``.
``--json`` prints exactly one JSON object, ``{"valid", "lines", "fields",
"reason", "seconds"}``. Exit status: 0 when a result was printed (a picture
without a readable MRZ too: ``valid`` is false and ``reason`` says why), 2 when
the file cannot be opened, 3 when tesseract is missing or broken.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mrz_reader.ocr import OcrUnavailable
from mrz_reader.reader import read

EXIT_UNREADABLE = 2
EXIT_NO_OCR = 3


@click.group(name="mrz")
def mrz() -> None:
    """Read the machine-readable zone of passports and ID cards."""


@mrz.command("read")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def read_command(image: Path, as_json: bool) -> None:
    """Read the MRZ in IMAGE (a photo or scan of the page) and print it."""
    try:
        data = image.read_bytes()
    except OSError as exc:
        click.echo(f"cannot read {image}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    try:
        result = read(data)
    except OcrUnavailable as exc:
        click.echo(f"OCR unavailable: {exc}", err=True)
        sys.exit(EXIT_NO_OCR)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    if not result.valid:
        click.echo(f"no valid MRZ: {result.reason} ({result.seconds:.2f} s)")
        return
    for line in result.lines:
        click.echo(line)
    for name, value in result.fields.items():
        click.echo(f"{name}: {value}")
    click.echo(f"({result.seconds:.2f} s)")

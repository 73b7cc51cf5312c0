"""``python -m mrz_reader read IMAGE [--json]``: the same commands as ``flask mrz``."""

from mrz_reader.cli import mrz

mrz(prog_name="python -m mrz_reader")

"""``flask mrz read IMAGE --json`` and ``python -m mrz_reader``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.mrz.pages import jpeg, landscape

ROOT = Path(__file__).resolve().parents[2]


def test_flask_mrz_read_prints_one_json_object(runner, tmp_path, photo, identity):
    image = tmp_path / "scan.jpg"
    image.write_bytes(photo(rotate=3))
    result = runner.invoke(args=["mrz", "read", str(image), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)  # exactly one object: anything else fails to parse
    assert set(out) == {"valid", "lines", "fields", "reason", "seconds"}
    assert out["valid"] is True and out["reason"] is None
    assert out["lines"] == identity.td3_lines()
    assert out["fields"]["surname"] == "EL AMRANI"
    assert isinstance(out["seconds"], float)


def test_a_picture_without_mrz_prints_valid_false_and_a_reason(runner, tmp_path):
    image = tmp_path / "shop.jpg"
    image.write_bytes(jpeg(landscape()))
    result = runner.invoke(args=["mrz", "read", str(image), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "valid": False,
        "lines": [],
        "fields": {},
        "reason": "no_mrz",
        "seconds": json.loads(result.output)["seconds"],
    }


def test_a_missing_file_exits_2_with_a_message(runner, tmp_path):
    result = runner.invoke(args=["mrz", "read", str(tmp_path / "nope.jpg"), "--json"])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_python_m_mrz_reader_prints_the_lines(tmp_path, photo, identity):
    image = tmp_path / "scan.jpg"
    image.write_bytes(photo())
    done = subprocess.run(
        [sys.executable, "-m", "mrz_reader", "read", str(image)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == identity.td3_lines()

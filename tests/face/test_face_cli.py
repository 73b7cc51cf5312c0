"""The operator commands ``face verify`` and ``face check``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from face_engine.cli import face

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def photos(tmp_path, grace_jpeg, astronaut_jpeg, picture_bytes):
    (tmp_path / "grace.jpg").write_bytes(grace_jpeg)
    (tmp_path / "eileen.jpg").write_bytes(astronaut_jpeg)
    (tmp_path / "wall.png").write_bytes(picture_bytes(Image.new("RGB", (640, 480)), "PNG"))
    (tmp_path / "notes.txt").write_text("not a photo")
    (tmp_path / "cut.jpg").write_bytes(grace_jpeg[:3000])
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(face, list(args))


def test_verify_same_person_prints_a_match_as_json(photos):
    result = run("verify", str(photos / "grace.jpg"), str(photos / "grace.jpg"), "--json")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["decision"] == "match"
    assert out["distance"] == pytest.approx(0.0, abs=0.01)
    assert out["quality"] == []


def test_verify_two_people_prints_no_match(photos):
    result = run("verify", str(photos / "grace.jpg"), str(photos / "eileen.jpg"), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["decision"] == "no_match"


def test_verify_selfie_without_face_is_refused_with_reasons(photos):
    result = run("verify", str(photos / "grace.jpg"), str(photos / "wall.png"), "--json")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out == {"decision": "refused", "distance": None, "quality": ["no_face"]}


def test_verify_names_an_unusable_reference_picture(photos):
    result = run("verify", str(photos / "wall.png"), str(photos / "grace.jpg"), "--json")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out == {"decision": "refused", "distance": None, "quality": ["reference:no_face"]}


def test_verify_readable_line_without_json(photos):
    result = run("verify", str(photos / "grace.jpg"), str(photos / "eileen.jpg"))
    assert result.exit_code == 0
    assert result.output.startswith("no_match (distance 0.")


def test_check_prints_quality_only(photos):
    good = run("check", str(photos / "grace.jpg"), "--json")
    assert good.exit_code == 0
    assert json.loads(good.output)["quality"] == []
    assert json.loads(good.output)["ok"] is True
    bad = run("check", str(photos / "wall.png"))
    assert bad.exit_code == 0
    assert bad.output.startswith("refused: no_face")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.txt", "not_an_image"),
        ("cut.jpg", "image_truncated"),
        ("missing.jpg", "cannot read"),
    ],
)
def test_unreadable_input_exits_2_with_a_message_and_no_traceback(photos, name, message):
    result = run("check", str(photos / name), "--json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert json.loads(result.stdout)["message"]


def test_burst_replays_a_kept_attempt_for_an_audit(photos, grace, picture_bytes, selfie_frame):
    frame = photos / "frame.jpg"
    frame.write_bytes(picture_bytes(selfie_frame(grace)))
    frames = [str(frame)] * 10
    result = run("burst", str(photos / "grace.jpg"), *frames, "--actions", "turn_right,blink")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("refused (distance 0.")
    assert "still_face" in result.output
    as_json = run("burst", str(photos / "grace.jpg"), *frames, "--json")
    assert json.loads(as_json.output)["liveness"]["passed"] is False


def test_burst_refuses_unknown_actions(photos):
    result = run(
        "burst", str(photos / "grace.jpg"), str(photos / "grace.jpg"), "--actions", "smile"
    )
    assert result.exit_code == 2
    assert "two distinct actions" in result.output


def test_python_dash_m_face_engine_runs_the_same_commands(photos):
    done = subprocess.run(
        [sys.executable, "-m", "face_engine", "check", str(photos / "notes.txt")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: not_an_image: unrecognised picture data")
    assert "Traceback" not in done.stderr

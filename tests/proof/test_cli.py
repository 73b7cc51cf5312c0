"""Operator commands: ``flask proof`` and the face engine's ``flask face``."""

from __future__ import annotations

import json

from sqlmodel import select

from webapp.models import FaceReference, JobRecord


def test_demo_reference_gives_the_demo_pensioner_a_face(app, runner, demo, db):
    result = runner.invoke(args=["proof", "demo-reference"])
    assert result.exit_code == 0, result.output
    assert "reference set for DP100001" in result.output
    [row] = db.exec(select(FaceReference)).all()
    assert row.source == "demo" and len(row.template) > 1000  # encrypted, not a photo

    with app.app_context():
        from webapp.services import proof_store

        assert proof_store.reference_template(row).shape == (128,)


def test_demo_reference_refuses_an_unknown_pensioner(runner, demo):
    result = runner.invoke(args=["proof", "demo-reference", "DP999999"])
    assert result.exit_code == 1
    assert "no pensioner DP999999" in result.output


def test_daily_can_be_enqueued_as_a_job(runner, demo, db):
    result = runner.invoke(args=["proof", "daily", "--today", "2026-04-25", "--enqueue"])
    assert result.exit_code == 0, result.output
    job = db.get(JobRecord, result.output.strip())
    assert job.kind == "proof_daily" and job.status == "finished"  # inline without Redis
    assert job.result["campaign"] == "2026-Q2" and len(job.result["suspended"]) == 5


def test_daily_prints_what_it_did(runner, demo):
    result = runner.invoke(args=["proof", "daily", "--today", "2026-07-05"])
    assert json.loads(result.output)["suspended"] == []


def test_face_commands_are_registered(runner):
    result = runner.invoke(args=["face", "--help"])
    assert result.exit_code == 0
    assert "verify" in result.output and "check" in result.output


def test_production_refuses_to_derive_the_template_key(app, monkeypatch):
    import pytest

    import face_engine
    from webapp.services import proof_store

    monkeypatch.setenv("APP_ENV", "production")
    with app.app_context(), pytest.raises(RuntimeError, match="TEMPLATE_KEY"):
        proof_store.template_key()
    app.config["TEMPLATE_KEY"] = face_engine.new_key()
    with app.app_context():
        assert len(proof_store.template_key()) == 32

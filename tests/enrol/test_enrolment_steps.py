"""The enrolment transition table: forward, back, resume, expiry, one enrolment and one
account per pension file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from webapp.models import AccountStatus, AuditEvent, Enrolment, FaceReference, utcnow
from webapp.services import enrolment as svc
from webapp.services.passwords import verify_password


def _consented(db, procedure="passport"):
    e = svc.start(db, procedure, "203.0.113.5")
    svc.record_terms(db, e, "2026-11", "203.0.113.5")
    return svc.record_consents(db, e, "2026-11", "2026-11", "203.0.113.5")


def _walk(db, e, *to):
    for step in to:
        svc.advance(db, e, step)
    return e


def test_new_enrolment_starts_at_the_terms_and_resumes_from_its_token(ctx, db):
    e = svc.start(db, "passport", "203.0.113.5")
    assert e.step == "terms" and e.status == "active" and len(e.token) >= 40
    assert svc.current(db, e.token).id == e.id
    assert svc.current(db, "not-a-token") is None


def test_consents_record_versions_time_and_ip_then_the_procedure_begins(ctx, db):
    e = _consented(db)
    assert e.step == "scan"
    assert (e.terms_version, e.privacy_version, e.consent_ip) == (
        "2026-11",
        "2026-11",
        "203.0.113.5",
    )
    assert e.consented_at is not None
    assert set(e.data["consents"]) == {"terms", "privacy"}
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "enrolment_consents")).one()
    assert _consented(db, "agency").step == "identity"


def test_nothing_biometric_before_both_consents(ctx, db):
    e = svc.start(db, "agency", None)
    svc.record_terms(db, e, "2026-11", None)
    with pytest.raises(svc.ConsentsMissing):
        svc.advance(db, e, "identity")


def test_steps_cannot_be_skipped_or_taken_from_the_other_procedure(ctx, db):
    e = _consented(db)
    with pytest.raises(svc.StepNotAllowed):
        svc.advance(db, e, "check")  # scan → chip comes first
    with pytest.raises(svc.StepNotAllowed):
        svc.advance(db, e, "appointment")
    with pytest.raises(svc.StepNotAllowed):
        svc.advance(db, e, "privacy")  # forward only
    assert _walk(db, e, "chip", "check", "contact", "code").step == "code"


def test_pensioner_goes_back_to_fix_the_contact_but_not_anywhere(ctx, db):
    e = _walk(db, _consented(db), "chip", "check", "contact", "code")
    svc.go_back(db, e, "contact")
    assert e.step == "contact"
    with pytest.raises(svc.StepNotAllowed):
        svc.go_back(db, e, "scan")  # contact → scan is not an allowed backward move
    a = _walk(db, _consented(db, "agency"), "selfie", "contact", "code", "appointment", "booked")
    svc.go_back(db, a, "appointment")  # moving the appointment
    assert a.step == "appointment"


def test_unfinished_enrolment_expires_after_a_day_without_moving(ctx, db):
    start = utcnow()
    e = svc.start(db, "passport", None, now=start)
    assert svc.current(db, e.token, now=start + timedelta(hours=23)) is not None
    assert svc.current(db, e.token, now=start + timedelta(hours=25)) is None
    db.refresh(e)
    assert e.status == "expired"
    with pytest.raises(svc.EnrolmentExpired):
        svc.advance(db, e, "privacy")


def test_each_step_restarts_the_resume_time_and_booked_waits_for_the_appointment(ctx, db):
    e = _consented(db, "agency")
    before = e.expires_at
    _walk(db, e, "selfie", "contact", "code", "appointment")
    assert e.expires_at >= before
    visit = utcnow() + timedelta(days=12)
    svc.advance(db, e, "booked", expires_at=visit + timedelta(days=7))
    assert e.expires_at == visit + timedelta(days=7)
    assert svc.current(db, e.token, now=utcnow() + timedelta(days=3)) is not None


def test_daily_expiry_ends_stale_enrolments_and_drops_biometric_data(ctx, db):
    e = svc.start(db, "passport", None)
    e.reference_photo = b"encrypted-dg2"
    e.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    fresh = svc.start(db, "agency", None)
    assert svc.expire_stale(db) == 1
    db.refresh(e)
    db.refresh(fresh)
    assert e.status == "expired" and e.reference_photo is None
    assert fresh.status == "active"


def test_cancel_ends_the_enrolment_and_drops_the_photo(ctx, db):
    e = _consented(db)
    e.reference_photo = b"encrypted-dg2"
    db.commit()
    svc.cancel(db, e)
    assert e.status == "cancelled" and e.reference_photo is None
    assert svc.current(db, e.token) is None


def test_database_refuses_two_active_enrolments_for_one_pension_file(ctx, db, pensioner):
    a, b = svc.start(db, "passport", None), svc.start(db, "agency", None)
    a.pensioner_id = pensioner.id
    db.commit()
    b.pensioner_id = pensioner.id
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_second_enrolment_after_the_code_is_refused(ctx, db, pensioner):
    first = _walk(db, _consented(db), "chip", "check")
    svc.match_pensioner(db, first, pensioner)
    _walk(db, first, "contact", "code")
    second = _walk(db, _consented(db), "chip", "check")
    with pytest.raises(svc.EnrolmentInProgress):
        svc.match_pensioner(db, second, pensioner)
    db.refresh(second)
    assert second.pensioner_id is None and second.status == "active"


def test_starting_again_on_another_phone_replaces_an_early_enrolment(ctx, db, pensioner):
    first = _walk(db, _consented(db), "chip", "check")
    svc.match_pensioner(db, first, pensioner)
    second = _walk(db, _consented(db), "chip", "check")
    svc.match_pensioner(db, second, pensioner)
    db.refresh(first)
    assert first.status == "cancelled" and second.pensioner_id == pensioner.id


def test_enrolled_pension_file_cannot_get_a_second_account(ctx, db, pensioner):
    pensioner.account_status = AccountStatus.ACTIVE.value
    db.commit()
    e = _walk(db, _consented(db), "chip", "check")
    with pytest.raises(svc.AlreadyEnrolled):
        svc.match_pensioner(db, e, pensioner)


def _to_selfie(db, pensioner):
    e = _walk(db, _consented(db), "chip", "check")
    svc.match_pensioner(db, e, pensioner)
    _walk(db, e, "contact", "code")
    svc.code_verified(db, e, "482913", {"email": "new@example.ma", "gsm": "+212699999999"})
    return e


def test_code_becomes_the_provisional_password_when_the_account_opens(ctx, db, pensioner):
    e = _to_selfie(db, pensioner)
    assert e.step == "selfie"
    with pytest.raises(svc.ReferenceMissing):
        svc.activate(db, e)
    db.add(FaceReference(pensioner_id=pensioner.id, template=b"x", source="passport"))
    db.commit()
    opened = svc.activate(db, e, ip="203.0.113.5")
    assert opened.account_status == "active" and opened.must_change_password
    assert verify_password(opened.password_hash, "482913")
    assert opened.gsm == "+212699999999" and opened.email == "new@example.ma"
    db.refresh(e)
    assert e.status == "done" and e.step == "done" and "provisional_hash" not in e.data
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "enrolment_activated")).one()


def test_activation_never_opens_an_already_active_account(ctx, db, pensioner):
    e = _to_selfie(db, pensioner)
    db.add(FaceReference(pensioner_id=pensioner.id, template=b"x", source="passport"))
    pensioner.account_status = AccountStatus.ACTIVE.value
    pensioner.password_hash = "kept"
    db.commit()
    with pytest.raises(svc.AlreadyEnrolled):
        svc.activate(db, e)
    db.refresh(pensioner)
    assert pensioner.password_hash == "kept"
    assert db.exec(select(Enrolment).where(Enrolment.status == "done")).all() == []


def test_daily_cycle_and_operator_command_end_stale_enrolments(ctx, db, runner):
    from webapp.services import daily

    stale = svc.start(db, "agency", None)
    stale.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert daily.cycle(db, utcnow().date())["expired_enrolments"] == 1
    db.refresh(stale)
    assert stale.status == "expired"
    other = svc.start(db, "passport", None)
    other.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert "1 enrolment(s) expired" in runner.invoke(args=["enrol", "expire"]).output

"""Procedure 1, « Lecture de la puce »: the read's result is checked, kept or refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from nfc_bridge.sim import Faults
from tests.enrol.passport_fixtures import chip, new_enrolment, read, relay, td3_lines
from webapp.models import AuditEvent, Enrolment, Pensioner

TODAY = date(2026, 11, 29)


@pytest.fixture
def ctx_db(app):
    from webapp.db import get_session

    with app.app_context():
        yield get_session()


def _read(ctx_db, card, *, lines=None):
    from webapp.services import passport_enrol

    service = relay()
    enrolment = new_enrolment(ctx_db, lines=lines)
    token = passport_enrol.start_chip_read(service, enrolment)
    reply = read(service, token, card)
    return service, enrolment, token, reply


def test_the_demo_passport_read_keeps_the_chip_identity_and_an_encrypted_photo(ctx_db):
    from webapp.services import enrol_selfie, passport_enrol

    service, enrolment, token, reply = _read(ctx_db, chip())
    assert reply["error"] is None and reply["done"]
    identity = passport_enrol.take_chip_result(ctx_db, service, enrolment, token, today=TODAY)
    assert identity["surname"] == "DEMO" and identity["given_names"] == "AMINA"
    assert identity["birth_date"] == "1950-03-15" and identity["expiry_date"] == "2031-01-01"
    assert identity["genuine_chip"] is True  # active authentication on our challenge
    ctx_db.refresh(enrolment)
    assert enrolment.data["chip"] == identity
    assert "relay_token" not in enrolment.data
    assert b"\xff\xd8" not in enrolment.reference_photo[:64]  # not a JPEG in clear
    assert enrol_selfie.open_photo(enrolment).startswith(b"\xff\xd8\xff")
    # The relay session is gone: the terminal held the MRZ key and the photo.
    assert service.store.get("nfc:relay:" + token.split(".")[0]) is None


def test_a_chip_whose_signature_does_not_verify_is_refused(ctx_db):
    from nfc_bridge.sim.demo_data import dg1_file, td3_mrz
    from webapp.services import passport_enrol

    # DG1 replaced after the document signer signed the SOD: the hashes disagree.
    forged = dg1_file(td3_mrz("DEMO", "AMINE", "UT4821957", "UTO", "500315", "M", "310101"))
    service, enrolment, token, _reply = _read(ctx_db, chip(dgs_override={"DG1": forged}))
    with pytest.raises(passport_enrol.ChipRefused) as refused:
        passport_enrol.take_chip_result(ctx_db, service, enrolment, token, today=TODAY)
    assert refused.value.code == "chip_not_authentic"
    ctx_db.refresh(enrolment)
    assert enrolment.reference_photo is None and "chip" not in enrolment.data
    events = ctx_db.exec(
        select(AuditEvent).where(AuditEvent.action == "enrolment_chip_refused")
    ).all()
    assert [e.detail["reason"] for e in events] == ["chip_not_authentic"]


def test_an_expired_passport_is_refused(ctx_db):
    from webapp.services import passport_enrol

    lines = td3_lines(expiry="240101")
    service, enrolment, token, _ = _read(ctx_db, chip(expiry="240101"), lines=lines)
    with pytest.raises(passport_enrol.ChipRefused) as refused:
        passport_enrol.take_chip_result(ctx_db, service, enrolment, token, today=TODAY)
    assert refused.value.code == "document_expired"


def test_a_chip_that_is_not_the_scanned_passport_is_refused(ctx_db):
    from webapp.services import passport_enrol

    # Same number and dates (so the chip opens) but another holder's name on the page.
    lines = td3_lines(surname="DEMOS")
    service, enrolment, token, _ = _read(ctx_db, chip(), lines=lines)
    with pytest.raises(passport_enrol.ChipRefused) as refused:
        passport_enrol.take_chip_result(ctx_db, service, enrolment, token, today=TODAY)
    assert refused.value.code == "chip_mismatch"
    assert refused.value.details["fields"] == ["surname"]


def test_a_chip_pulled_away_mid_read_is_a_read_failure_to_retry(ctx_db):
    from webapp.services import passport_enrol

    service, enrolment, token, reply = _read(ctx_db, chip(faults=Faults(stop_after=12)))
    assert reply["done"] and reply["error"]["code"] == "chip_removed"
    status = passport_enrol.chip_status(service, token)
    assert status["status"] == "failed" and status["error"]["code"] == "chip_removed"
    with pytest.raises(passport_enrol.ChipRefused) as refused:
        passport_enrol.take_chip_result(ctx_db, service, enrolment, token, today=TODAY)
    assert refused.value.code == "read_failed"
    assert refused.value.details["reason"] == "chip_removed"
    ctx_db.refresh(enrolment)
    assert enrolment.reference_photo is None


def test_a_scan_of_another_passport_does_not_open_the_chip(ctx_db):
    from webapp.services import passport_enrol

    lines = td3_lines(number="UT4821958")
    service, enrolment, token, reply = _read(ctx_db, chip(), lines=lines)
    assert reply["error"]["code"] in ("pace_failed", "bac_failed")
    with pytest.raises(passport_enrol.ChipRefused) as refused:
        passport_enrol.take_chip_result(ctx_db, service, enrolment, token, today=TODAY)
    assert refused.value.details["reason"] in ("pace_failed", "bac_failed")


def test_a_session_that_vanished_reads_as_expired(ctx_db):
    from webapp.services import passport_enrol

    status = passport_enrol.chip_status(relay(), "abc.def")
    assert status["done"] and status["status"] == "expired"


# --- finding the pensioner ------------------------------------------------------------------


def _identity(**over):
    base = {
        "surname": "DEMO",
        "given_names": "AMINA",
        "document_number": "UT4821957",
        "nationality": "UTO",
        "birth_date": "1950-03-15",
    }
    return {**base, **over}


def test_a_foreign_passport_is_found_by_dp_number_and_identity(ctx_db, demo):
    from webapp.services import passport_enrol

    found = passport_enrol.find_pensioner(ctx_db, _identity(), "dp100010 ")
    assert found.dp_number == "DP100010"
    for dp in ("", "DP100001", "DP999999"):
        with pytest.raises(passport_enrol.ChipRefused) as refused:
            passport_enrol.find_pensioner(ctx_db, _identity(), dp)
        assert refused.value.code == "no_match"


def test_a_moroccan_passport_is_found_by_identity_alone(ctx_db, demo):
    from webapp.services import passport_enrol

    fatima = _identity(
        surname="EL IDRISSI",
        given_names="FATIMA",
        document_number="AC7654321",
        nationality="MAR",
        birth_date="1941-11-02",
    )
    assert passport_enrol.find_pensioner(ctx_db, fatima).dp_number == "DP100002"
    # A new passport (another number) still finds her by name and birth date.
    renewed = {**fatima, "document_number": "AX0000001"}
    assert passport_enrol.find_pensioner(ctx_db, renewed).dp_number == "DP100002"
    with pytest.raises(passport_enrol.ChipRefused):
        passport_enrol.find_pensioner(ctx_db, {**fatima, "birth_date": "1941-11-03"})


def test_the_demo_passport_matches_a_demo_pensioner_without_reference(ctx_db, demo):
    from webapp.services import passport_enrol, proof_store

    pensioner = ctx_db.exec(select(Pensioner).where(Pensioner.dp_number == "DP100010")).one()
    assert pensioner.account_status == "not_enrolled" and pensioner.password_hash is None
    assert proof_store.reference_of(ctx_db, pensioner.id) is None
    fields = passport_enrol.td3_fields(td3_lines())
    assert (fields["surname"], fields["document_number"]) == ("DEMO", pensioner.passport_number)
    assert ctx_db.exec(select(Enrolment)).all() == []

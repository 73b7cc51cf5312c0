"""The adviser reads a pensioner's file, resets access and records a proof of life in agency."""

import io
import re

from sqlmodel import select

from webapp.models import (
    AuditEvent,
    Campaign,
    Notification,
    OutboxMessage,
    Pensioner,
    ProofStatus,
)
from webapp.models.types import utcnow
from webapp.services import campaigns
from webapp.services.local_time import local_today


def _current_status(db, pensioner_id):
    campaign = campaigns.campaign_for(db, local_today())
    return db.exec(
        select(ProofStatus).where(
            ProofStatus.pensioner_id == pensioner_id, ProofStatus.campaign_id == campaign.id
        )
    ).first()


def test_file_shows_proof_of_life_reminders_reference_and_readable_history(client, demo, auth, db):
    past = Campaign(quarter="2020-Q1", opens_on=local_today(), deadline=local_today())
    db.add(past)
    db.commit()
    db.add(
        ProofStatus(
            pensioner_id=1,
            campaign_id=past.id,
            attested_at=utcnow(),
            method="review",
            suspended_at=utcnow(),
        )
    )
    db.add(
        Notification(
            kind="pol_d3",
            pensioner_id=1,
            recipient="p:1",
            scope="campaign:2020Q1",
            channel="sms",
            destination="+212612345678",
            status="sent",
        )
    )
    db.commit()
    auth.login("DP100001")
    auth.logout()
    auth.staff_login()
    client.get("/staff/pensioners/1")
    page = client.get("/staff/pensioners/1").data.decode()
    assert "2020-Q1" in page and "après vérification par un conseiller" in page
    assert "Paiement suspendu le" in page
    assert "Rappel J-3" in page and "SMS" in page and "envoyé" in page
    history = page[page.index('id="history"') :]
    assert "staff_view_pensioner" not in history and "Dossier consulté" in history
    assert "Connexion" in history and "L'allocataire" in history
    assert re.search(r"<td>Dossier consulté</td><td>[^<#]*[A-Za-z][^<#]*</td>", history)
    assert "staff #" not in history and "#1" not in history


def test_file_history_is_translated_in_arabic(client, demo, auth):
    auth.staff_login()
    client.get("/staff/pensioners/2")
    client.set_cookie("lang", "ar")
    page = client.get("/staff/pensioners/2?lang=ar").data.decode()
    assert "staff_view_pensioner" not in page
    assert "Dossier consulté" not in page


def test_adviser_resets_access_by_sms_without_seeing_the_password(client, demo, auth, db):
    auth.staff_login()
    page = client.post("/staff/pensioners/1/reset-access")
    text = page.data.decode()
    assert page.status_code == 200 and "par SMS" in text
    message = db.exec(select(OutboxMessage)).one()
    assert message.channel == "sms" and message.destination == "+212612345678"
    password = re.search(r"provisoire : (\S+?)\. ", message.body).group(1)
    assert password not in text
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "access_reset")).one()
    assert event.actor_type == "staff" and event.detail["agency_id"] is not None
    assert event.detail["staff_name"] and event.detail["channel"] == "sms"
    pensioner = db.get(Pensioner, 1)
    db.refresh(pensioner)
    assert pensioner.must_change_password
    other = client.application.test_client()
    old = other.post("/auth/login", data={"dp_number": "DP100001", "password": "Demo2026!"})
    assert old.status_code == 422
    new = other.post("/auth/login", data={"dp_number": "DP100001", "password": password})
    assert new.status_code == 302 and "password" in new.headers["Location"]


def test_reset_access_for_a_pensioner_abroad_goes_by_email(client, demo, auth, db):
    auth.staff_login()
    text = client.post("/staff/pensioners/3/reset-access").data.decode()
    assert "par e-mail" in text
    message = db.exec(select(OutboxMessage)).one()
    assert message.channel == "email" and message.destination == "a.ouazzani@example.fr"


def test_agency_proof_of_life_refuses_a_wrong_document_number(client, demo, auth, db):
    auth.staff_login()
    response = client.post(
        "/staff/pensioners/1/proof-of-life", data={"document_type": "cin", "number": "BE123457"}
    )
    assert response.status_code == 422
    assert "ne correspond pas" in response.data.decode()
    assert "BENANI" in response.data.decode()
    status = _current_status(db, 1)
    assert status is None or status.attested_at is None
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "proof_agency_refused")).one()
    assert refused.detail["agency_id"] is not None
    missing = client.post(
        "/staff/pensioners/5/proof-of-life", data={"document_type": "cin", "number": "X1"}
    )
    assert missing.status_code == 422 and "pas enregistré" in missing.data.decode()


def test_agency_proof_of_life_from_the_file_records_the_campaign(client, demo, auth, db):
    db.get(Pensioner, 1).payment_status = "suspended"
    db.commit()
    auth.staff_login()
    response = client.post(
        "/staff/pensioners/1/proof-of-life",
        data={"document_type": "passport", "number": "ab 123-4567"},
    )
    assert response.status_code == 200 and 'id="proof-done"' in response.data.decode()
    status = _current_status(db, 1)
    db.refresh(status)
    assert status.attested_at is not None and status.method == "agency"
    pensioner = db.get(Pensioner, 1)
    db.refresh(pensioner)
    assert pensioner.payment_status == "active"
    visit = db.exec(select(AuditEvent).where(AuditEvent.action == "proof_agency_visit")).one()
    assert visit.actor_type == "staff" and visit.detail["document_type"] == "passport"
    again = client.post(
        "/staff/pensioners/1/proof-of-life",
        data={"document_type": "passport", "number": "AB1234567"},
    )
    assert again.status_code == 422 and "déjà enregistrée" in again.data.decode()


def test_adviser_enrols_a_pensioner_without_a_smartphone_at_the_desk(client, demo, auth, db):
    from webapp.models import FaceReference
    from webapp.services import proof_store

    auth.staff_login()
    page = client.get("/staff/pensioners/2").data.decode()
    assert 'id="desk-enrolment"' in page
    photo = proof_store.astronaut_jpeg()
    wrong = client.post(
        "/staff/pensioners/2/enrol",
        data={"document_type": "cin", "number": "C456780", "photo": (io.BytesIO(photo), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "ne correspond pas" in wrong.data.decode()
    assert db.exec(select(FaceReference).where(FaceReference.pensioner_id == 2)).first() is None
    not_a_photo = client.post(
        "/staff/pensioners/2/enrol",
        data={"document_type": "cin", "number": "C456789", "photo": (io.BytesIO(b"x" * 99), "a")},
        content_type="multipart/form-data",
    )
    assert not_a_photo.status_code == 422 and 'id="enrol-error"' in not_a_photo.data.decode()
    done = client.post(
        "/staff/pensioners/2/enrol",
        data={"document_type": "cin", "number": "c456789", "photo": (io.BytesIO(photo), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 200 and 'id="enrol-done"' in done.data.decode()
    ref = db.exec(select(FaceReference).where(FaceReference.pensioner_id == 2)).one()
    assert ref.source == "desk" and photo not in ref.template
    after = client.get("/staff/pensioners/2").data.decode()
    assert "caméra du guichet" in after and 'id="desk-enrolment"' not in after
    assert "<td>Photo de référence enregistrée</td><td>Salma Bennani</td>" in after
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "desk_enrolment")).one()
    assert event.actor_type == "staff" and event.detail["agency_id"] is not None
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "desk_enrolment_refused"))
    assert len(refused.all()) == 1
    again = client.post(
        "/staff/pensioners/2/enrol",
        data={"document_type": "cin", "number": "C456789", "photo": (io.BytesIO(photo), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 422 and "déjà une photo" in again.data.decode()

"""Demo data: agencies, staff, pensioners at home and abroad, 8 years of payments."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from ..models import AccountStatus, Agency, Pensioner, StaffUser
from ..models.money import Payment
from . import pensioners as pensioner_svc
from .passwords import hash_password

AGENCIES = [
    ("CAS", "Agence Casablanca Centre", "Casablanca", "100, boulevard Abdelmoumen"),
    ("RAB", "Agence Rabat Agdal", "Rabat", "12, avenue de France"),
    ("MAR", "Agence Marrakech Guéliz", "Marrakech", "5, avenue Mohammed V"),
    ("TNG", "Agence Tanger", "Tanger", "33, boulevard Pasteur"),
    ("FES", "Agence Fès", "Fès", "8, avenue Hassan II"),
]
# Where each demo agency is (for the geo: link) and its own phone number.
AGENCY_PLACES = {
    "CAS": (33.5813, -7.6310, "+212522201010"),
    "RAB": (33.9986, -6.8520, "+212537670101"),
    "MAR": (31.6364, -8.0103, "+212524430202"),
    "TNG": (35.7775, -5.8120, "+212539940303"),
    "FES": (34.0420, -5.0003, "+212535650404"),
}
STAFF = [
    ("conseiller@demo.dialvie.ma", "Salma Bennani", "adviser", "CAS", "Conseil2026!"),
    ("admin@demo.dialvie.ma", "Youssef Alaoui", "admin", "RAB", "Admin2026!"),
]
# dp, last, first, birth, nationality, passport, id, email, gsm, address, city, country,
# language, monthly gross (MAD), password
PENSIONERS = [
    (
        "DP100001",
        "BENANI",
        "Mohammed",
        date(1948, 3, 12),
        "MAR",
        "AB1234567",
        "BE123456",
        "m.benani@example.ma",
        "+212612345678",
        "12, rue Ibn Batouta",
        "Casablanca",
        "MAR",
        "fr",
        11200.00,
        "Demo2026!",
    ),
    (
        "DP100002",
        "EL IDRISSI",
        "Fatima",
        date(1941, 11, 2),
        "MAR",
        "AC7654321",
        "C456789",
        "f.elidrissi@example.ma",
        "+212661112233",
        "4, derb Sidi Bouloukat",
        "Marrakech",
        "MAR",
        "ar",
        6350.50,
        "Demo2026!",
    ),
    (
        "DP100003",
        "OUAZZANI",
        "Ahmed",
        date(1950, 7, 30),
        "MAR",
        "AD5551234",
        "D998877",
        "a.ouazzani@example.fr",
        "+33612345678",
        "18, rue de la République",
        "Lyon",
        "FRA",
        "fr",
        9879.43,
        "Demo2026!",
    ),
    (
        "DP100004",
        "TAZI",
        "Khadija",
        date(1945, 1, 18),
        "MAR",
        "AE1112223",
        "E112233",
        "k.tazi@example.be",
        "+32470123456",
        "7, avenue Louise",
        "Bruxelles",
        "BEL",
        "fr",
        8420.00,
        "Demo2026!",
    ),
    (
        "DP100005",
        "MARTIN",
        "Jean",
        date(1952, 5, 4),
        "FRA",
        "18FR12345",
        None,
        "j.martin@example.fr",
        "+33698765432",
        "2, rue Victor Hugo",
        "Bordeaux",
        "FRA",
        "en",
        7300.00,
        "Demo2026!",
    ),
]
# Not enrolled yet (no password, no reference photo): she enrols with the demo passport
# (nfc_bridge's simulated chip: DEMO Amina, born 1950-03-15, specimen state UTO, so a
# foreign passport: DP number asked, code by e-mail), then attests.
PASSPORT_PENSIONER = (
    "DP100010",
    "DEMO",
    "Amina",
    date(1950, 3, 15),
    "UTO",
    "UT4821957",
    None,
    "a.demo@example.ma",
    "+212600100010",
    "3, rue des Orangers",
    "Rabat",
    "MAR",
    "fr",
    5400.00,
    None,
)
# Not enrolled yet, no biometric passport: she enrols by selfie and an agency visit
# (procedure 2): CIN F334455, lives in Morocco, so the codes come by SMS.
AGENCY_PENSIONER = (
    "DP100011",
    "EL FASSI",
    "Zineb",
    date(1947, 6, 2),
    "MAR",
    None,
    "F334455",
    "z.elfassi@example.ma",
    "+212600100011",
    "9, derb Lamtiyine",
    "Fès",
    "MAR",
    "fr",
    4800.00,
    None,
)
IGR_RATE = 0.12


def _payments_for(
    pensioner_id: int, monthly_gross: float, first_year: int, last_period: tuple[int, int]
) -> list[Payment]:
    rows = []
    year, month = first_year, 1
    while (year, month) <= last_period:
        gross = round(monthly_gross * 100)
        igr = round(gross * IGR_RATE)
        pay_month, pay_year = (1, year + 1) if month == 12 else (month + 1, year)
        rows.append(
            Payment(
                pensioner_id=pensioner_id,
                period=f"{year}-{month:02d}",
                pay_date=date(pay_year, pay_month, 1),
                gross=gross,
                igr=igr,
                net=gross - igr,
                method="virement",
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def seed(session: Session, *, if_empty: bool = False, today: date | None = None) -> bool:
    """Create the demo data set; returns False if it was already there."""
    today = today or date.today()
    if session.exec(select(Pensioner).where(Pensioner.dp_number == PENSIONERS[0][0])).first():
        return False
    if if_empty and session.exec(select(Pensioner)).first():
        return False
    agencies = {}
    for code, name, city, address in AGENCIES:
        agency = session.exec(select(Agency).where(Agency.code == code)).first()
        if agency is None:
            agency = Agency(code=code, name=name, city=city, address=address, phone="+212522000000")
            session.add(agency)
            session.flush()
        agencies[code] = agency
    _demo_agency_schedules(session, agencies, today)
    for email, name, role, agency_code, staff_password in STAFF:
        if not session.exec(select(StaffUser).where(StaffUser.email == email)).first():
            session.add(
                StaffUser(
                    email=email,
                    name=name,
                    role=role,
                    agency_id=agencies[agency_code].id,
                    password_hash=hash_password(staff_password),
                )
            )
    last_period = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    for (
        dp,
        last,
        first,
        birth,
        nat,
        passport,
        id_no,
        email,
        gsm,
        address,
        city,
        country,
        lang,
        gross,
        password,
    ) in [*PENSIONERS, PASSPORT_PENSIONER, AGENCY_PENSIONER]:
        enrolled = password is not None
        p = Pensioner(
            dp_number=dp,
            last_name=last,
            first_name=first,
            birth_date=birth,
            nationality=nat,
            passport_number=passport,
            id_number=id_no,
            email=email,
            gsm=gsm,
            address=address,
            city=city,
            country=country,
            language=lang,
            marital_status="married",
            children=3,
            account_status=(
                AccountStatus.ACTIVE.value if enrolled else AccountStatus.NOT_ENROLLED.value
            ),
            password_hash=hash_password(password) if password is not None else None,
        )
        session.add(p)
        session.flush()
        assert p.id is not None
        session.add_all(_payments_for(p.id, gross, today.year - 8, last_period))
        pensioner_svc.add_alert(session, p.id, "welcome")
        pensioner_svc.add_alert(
            session, p.id, "payment_made", period=f"{last_period[0]}-{last_period[1]:02d}"
        )
        pensioner_svc.add_alert(session, p.id, "attestation_available", year=today.year - 1)
    session.commit()
    _demo_face_reference(session)
    _demo_campaign(session)
    return True


def _demo_agency_schedules(session: Session, agencies: dict[str, Agency], today: date) -> None:
    """Opening hours, a place on the map and the public holidays of this year and the next."""
    from . import booking

    for code, agency in agencies.items():
        lat, lon, phone = AGENCY_PLACES[code]
        agency.latitude, agency.longitude, agency.phone = lat, lon, phone
        session.add(agency)
        assert agency.id is not None
        booking.set_hours(session, agency.id, booking.DEFAULT_HOURS)
    booking.seed_public_holidays(session, [today.year, today.year + 1])


def _demo_face_reference(session: Session) -> None:
    """In demo mode (``DEMO=1``), DP100001's reference is the astronaut's face, so the
    proof-of-life flow can be tried (tests skip it: encoding a face costs ~0.3 s)."""
    from flask import current_app

    if not current_app.config.get("DEMO"):
        return
    from . import proof_store

    first = session.exec(select(Pensioner).where(Pensioner.dp_number == PENSIONERS[0][0])).one()
    proof_store.set_reference(session, first, proof_store.astronaut_jpeg(), "demo")


def _demo_campaign(session: Session) -> None:
    """In demo mode, DP100004 has already attested this quarter (at an agency); the
    others have not, so once the campaign's deadline is past the daily cycle, which
    ``make run`` schedules by itself, suspends their payments on the first page view."""
    from flask import current_app

    if not current_app.config.get("DEMO"):
        return
    from . import campaigns

    campaign = campaigns.campaign_for(session, campaigns.local_today())
    brussels = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100004")).one()
    campaigns.attest(session, brussels, campaign, attempt_id=None, method="agency")
    session.commit()

"""Enrolment fixtures: an app context, a pensioner without an account, an enrolment."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.models import Pensioner


@pytest.fixture
def ctx(app):
    """A request context (services read settings; error messages need a locale)."""
    with app.test_request_context():
        yield app


@pytest.fixture
def pensioner(db):
    """A pensioner of the registry who has never enrolled."""
    row = Pensioner(
        dp_number="DP200001",
        last_name="Alaoui",
        first_name="Fatima",
        birth_date=date(1950, 3, 14),
        nationality="MAR",
        passport_number="AB1234567",
        id_number="BE123456",
        language="fr",
        gsm="+212612345678",
        email="fatima@example.ma",
        country="MAR",
    )
    db.add(row)
    db.commit()
    return row


@pytest.fixture
def other_pensioner(db):
    """A second pensioner, living abroad, English-speaking."""
    row = Pensioner(
        dp_number="DP200002",
        last_name="Martin",
        first_name="Paul",
        birth_date=date(1948, 7, 1),
        nationality="FRA",
        passport_number="18FR12345",
        language="en",
        email="paul@example.fr",
        country="FRA",
    )
    db.add(row)
    db.commit()
    return row

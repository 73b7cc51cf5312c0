"""Synthetic identity pages for the MRZ tests (drawn by tests/mrz/pages.py), cached."""

from __future__ import annotations

import pytest

from tests.mrz.pages import Identity, degrade, id_card, jpeg, passport_page


@pytest.fixture(scope="session")
def identity() -> Identity:
    """The holder printed on the default pages."""
    return Identity()


@pytest.fixture(scope="session")
def page():
    """The default passport data page, flat and sharp."""
    return passport_page()


@pytest.fixture(scope="session")
def photo(page):
    """A degraded photo of the default page, as JPEG bytes: ``photo(blur=1.2, ...)``."""

    def make(quality: int = 85, **damage) -> bytes:
        return jpeg(degrade(page, **damage), quality=quality)

    return make


@pytest.fixture(scope="session")
def card_photo() -> bytes:
    """A slightly tilted photo of an ID card's back (TD1)."""
    return jpeg(degrade(id_card(), rotate=2, noise=5))

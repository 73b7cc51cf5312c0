"""A DP number is found however it is typed: case, spaces, dashes, « DP » left out."""

from __future__ import annotations

import pytest

from webapp.services.dp import normalise_dp


@pytest.mark.parametrize(
    "typed",
    ["DP100004", "dp100004", " DP 100 004 ", "Dp-100-004", "100004", "100 004", "١٠٠٠٠٤"],
)
def test_pensioner_types_dp_number_any_way(typed):
    assert normalise_dp(typed) == "DP100004"


def test_something_else_stays_recognisable():
    assert normalise_dp("abc 12") == "ABC12"
    assert normalise_dp(None) == ""


@pytest.mark.parametrize("typed", ["DP 100 001", "100001", "dp-100001"])
def test_pensioner_logs_in_typing_the_dp_number_loosely(client, demo, auth, typed):
    response = auth.login(typed, "Demo2026!")
    assert response.status_code == 302
    assert response.headers["Location"] == "/space/"


def test_staff_finds_a_pensioner_by_digits_only(client, demo, auth, db):
    from webapp.services.staff import search_pensioners

    found = search_pensioners(db, "100 001")
    assert [p.dp_number for p in found] == ["DP100001"]


def test_staff_search_of_separators_only_finds_nobody(client, demo, auth, db):
    from webapp.services.staff import search_pensioners

    assert search_pensioners(db, " - . ") == []
    assert search_pensioners(db, "__") == []

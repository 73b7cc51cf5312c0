"""Delays and counts read naturally: « 1 minute », « 2 minutes », not « minute(s) »."""

from __future__ import annotations

from flask_babel import force_locale

from webapp.errors import LoginThrottled
from webapp.services.otp import CodeWrong


def test_login_delay_says_one_minute_or_minutes(app):
    with app.test_request_context():
        assert LoginThrottled(60).message == "Trop d'essais. Réessayez dans 1 minute."
        assert LoginThrottled(61).message == "Trop d'essais. Réessayez dans 2 minutes."
        with force_locale("en"):
            assert str(LoginThrottled(300).message).endswith("in 5 minutes.")
        with force_locale("ar"):
            assert "5 دقائق" in str(LoginThrottled(300).message)


def test_code_tries_left_are_counted_in_words_that_agree(app):
    with app.test_request_context():
        assert CodeWrong(1).message == "Code incorrect. Il vous reste 1 essai."
        assert CodeWrong(4).message == "Code incorrect. Il vous reste 4 essais."

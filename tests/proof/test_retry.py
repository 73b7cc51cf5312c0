"""After a failure: the camera page says what went wrong, the daily limit says when to retry.

And the capture may split its burst between the two actions anywhere: the
server judges the order of the moves, not halves (so no boundary is uploaded).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

import face_engine
from tests.face.test_face_liveness import BLINK, FACING, LEFT, NOW, RIGHT, burst, challenge
from tests.proof.conftest import moving_burst, still_burst
from webapp.services.proof_retry import next_try_at


def test_next_try_is_the_funds_next_local_midnight():
    # 29 Nov 2026, 23:20 UTC is 00:20 on 30 Nov in Casablanca (UTC+1).
    nxt = next_try_at(datetime(2026, 11, 29, 23, 20, tzinfo=UTC))
    assert nxt.at.isoformat() == "2026-12-01T00:00:00+01:00"
    assert nxt.wait == timedelta(hours=23, minutes=40)
    assert nxt.hours == 24
    late = next_try_at(datetime(2026, 11, 30, 22, 35, tzinfo=UTC))  # 23:35 local
    assert late.wait == timedelta(minutes=25) and late.minutes == 25


@pytest.mark.parametrize(
    ("now", "lang", "expected"),
    [
        (
            datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
            "fr",
            "Vous avez fait 5 essais aujourd'hui : c'est le maximum pour une journée. "
            "Vous pourrez réessayer le 1 décembre 2026 à partir de minuit, heure du Maroc "
            "(dans 14 heures environ).",
        ),
        (datetime(2026, 11, 30, 22, 0, tzinfo=UTC), "fr", "(dans 1 heure environ)."),
        (datetime(2026, 11, 30, 22, 59, tzinfo=UTC), "fr", "(dans 1 minute)."),
        (datetime(2026, 11, 30, 22, 50, tzinfo=UTC), "fr", "(dans 10 minutes)."),
        (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "en", "in about 14 hours"),
        (datetime(2026, 11, 30, 22, 0, tzinfo=UTC), "en", "in about 1 hour)"),
    ],
)
def test_the_daily_limit_says_when_to_try_again(app, now, lang, expected):
    from webapp.proof.messages import daily_limit_text

    with app.test_request_context(), force_locale(lang):
        text = daily_limit_text(5, next_try_at(now))
    assert expected in text


def test_the_daily_limit_in_arabic_is_translated(app):
    from webapp.proof.messages import daily_limit_text

    with app.test_request_context(), force_locale("ar"):
        text = daily_limit_text(5, next_try_at(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)))
    assert "14" in text and "essai" not in text and "heure" not in text


def test_the_refused_challenge_carries_the_next_try(app, proof, no_liveness, grace):
    app.config["PROOF_DAILY_ATTEMPTS"] = 1
    proof.attest_with(moving_burst(grace, count=8))
    refused = proof.challenge()
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "daily_limit"
    assert body["message"].startswith("Vous avez fait 1 essai aujourd'hui")
    camera = html.unescape(proof.client.get("/space/proof/camera").get_data(as_text=True))
    assert "à partir de minuit, heure du Maroc" in camera
    assert 'href="/agencies"' in camera and "Voir les agences" in camera


def test_the_camera_page_says_what_went_wrong_last_time(app, proof, astronaut):
    first = proof.client.get("/space/proof/camera").get_data(as_text=True)
    assert 'id="proof-last"' not in first  # nothing tried yet
    proof.attest_with(still_burst(astronaut))
    page = html.unescape(proof.client.get("/space/proof/camera").get_data(as_text=True))
    assert 'id="proof-last"' in page
    assert "La dernière fois, cela n'a pas marché" in page
    assert "Aucun mouvement n'a été vu" in page


def test_after_a_mismatch_the_camera_page_says_the_face_did_not_match(
    app, proof, no_liveness, grace
):
    proof.attest_with(moving_burst(grace))
    page = proof.client.get("/space/proof/camera").get_data(as_text=True)
    assert "Le visage ne correspond pas à votre photo de référence" in page


def test_no_last_time_box_once_an_attempt_is_running(app, proof, astronaut):
    from webapp.db import get_session
    from webapp.models import ProofAttempt

    proof.attest_with(still_burst(astronaut))
    with app.app_context():
        session = get_session()
        attempt = session.exec(ProofAttempt.__table__.select()).first()
        session.execute(
            ProofAttempt.__table__.update()
            .where(ProofAttempt.__table__.c.id == attempt.id)
            .values(decision="pending")
        )
        session.commit()
    page = proof.client.get("/space/proof/camera").get_data(as_text=True)
    assert 'id="proof-last"' not in page


@pytest.mark.parametrize(
    ("actions", "first", "second"),
    [
        # Blink done at once, then a long wait; the turn only at the end of its step.
        (("blink", "turn_left"), [*BLINK, *[FACING] * 6], [*[FACING] * 4, *LEFT]),
        # A long first step, a short second one (the page waits per step, not by halves).
        (("turn_right", "blink"), [*[FACING] * 9, *RIGHT], [*BLINK, FACING]),
    ],
)
def test_the_server_judges_any_split_of_the_burst_between_the_actions(actions, first, second):
    frames = burst(FACING, FACING, *first, *second)
    assert len(frames) <= 20
    result = face_engine.analyse_landmarks(frames, challenge(*actions), now=NOW)
    assert result.passed, result.codes
    assert result.checks["order"]["passed"]


def test_the_moves_in_the_wrong_order_still_fail_whatever_the_split():
    frames = burst(FACING, FACING, *[FACING] * 6, *LEFT, *BLINK, FACING)
    result = face_engine.analyse_landmarks(frames, challenge("blink", "turn_left"), now=NOW)
    assert "wrong_order" in result.codes

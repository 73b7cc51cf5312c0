"""Reading synthetic passport pages photographed badly: the exact lines, or a reason."""

from __future__ import annotations

import pytest

import mrz_reader
from tests.mrz.pages import Identity, jpeg, landscape, passport_page, png


def test_a_flat_passport_page_is_read_exactly(page, identity):
    result = mrz_reader.read(png(page))
    assert result.valid and result.reason is None
    assert list(result.lines) == identity.td3_lines()
    assert result.fields["surname"] == "EL AMRANI"
    assert result.fields["given_names"] == "FATIMA ZAHRA"
    assert result.fields["document_number"] == "AB1234567"
    assert result.fields["birth_date"] == "1952-03-14"
    assert result.fields["expiry_date"] == "2031-07-22"
    assert result.seconds > 0


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param({"blur": 1.5}, id="blur"),
        pytest.param({"noise": 12}, id="noise"),
        pytest.param({"rotate": 6}, id="tilted-left"),
        pytest.param({"rotate": -8}, id="tilted-right"),
        pytest.param({"perspective": 0.06}, id="perspective"),
        pytest.param({"noise": 4, "quality": 20}, id="jpeg-artefacts"),
        pytest.param({"blur": 1.0, "noise": 8, "rotate": 3, "perspective": 0.04}, id="all"),
    ],
)
def test_a_phone_photo_of_the_page_is_read_exactly(photo, identity, damage):
    result = mrz_reader.read(photo(**damage))
    assert result.valid, result.reason
    assert list(result.lines) == identity.td3_lines()


@pytest.mark.parametrize("turn", [180, 90, -90], ids=["upside-down", "sideways", "sideways-2"])
def test_a_page_held_the_wrong_way_is_read_exactly(photo, identity, turn):
    result = mrz_reader.read(photo(rotate=turn))
    assert list(result.lines) == identity.td3_lines()


def test_another_holder_with_one_given_name_is_read_with_the_right_names():
    who = Identity(
        surname="BENNANI",
        given_names="MOHAMED",
        document_number="BK7761204",
        birth_date="480101",
        sex="M",
        expiry_date="290930",
    )
    result = mrz_reader.read(jpeg(passport_page(who), quality=70))
    assert list(result.lines) == who.td3_lines()
    assert (result.fields["surname"], result.fields["given_names"]) == ("BENNANI", "MOHAMED")
    assert result.fields["sex"] == "M"


def test_an_id_card_back_is_read_as_td1(card_photo, identity):
    result = mrz_reader.read(card_photo)
    assert result.valid
    assert list(result.lines) == identity.td1_lines()
    assert result.fields["format"] == "TD1"


def test_a_picture_without_mrz_is_refused_not_guessed():
    result = mrz_reader.read(jpeg(landscape()))
    assert not result.valid
    assert result.reason == "no_mrz"
    assert result.lines == () and result.fields == {}


def test_a_badly_blurred_page_asks_to_come_closer(photo):
    result = mrz_reader.read(photo(blur=5))
    assert (result.valid, result.reason, result.lines) == (False, "blur", ())


def test_a_reflection_on_the_mrz_asks_to_avoid_glare(photo):
    result = mrz_reader.read(photo(glare=True))
    assert (result.valid, result.reason, result.lines) == (False, "glare", ())


def test_bytes_that_are_no_picture_are_refused():
    assert mrz_reader.read(b"%PDF-1.4 not a photo").reason == "not_an_image"
    assert mrz_reader.read(b"").reason == "not_an_image"


def test_a_result_turns_into_the_documented_json_shape(page):
    out = mrz_reader.read(png(page)).to_dict()
    assert set(out) == {"valid", "lines", "fields", "reason", "seconds"}
    assert isinstance(out["lines"], list)


def test_a_blurred_picture_without_mrz_text_asks_to_come_closer_too():
    from tests.mrz.pages import degrade

    assert mrz_reader.read(jpeg(degrade(landscape(), blur=5))).reason == "blur"


def test_a_page_filling_a_third_of_a_large_photo_is_read(page, identity):
    from PIL import Image

    from tests.mrz.pages import degrade

    frame = Image.new("RGB", (4032, 3024), (80, 70, 60))
    small = degrade(page, rotate=2).resize((1300, 1000))
    frame.paste(small, (1300, 1000))
    assert list(mrz_reader.read(jpeg(frame, 90)).lines) == identity.td3_lines()

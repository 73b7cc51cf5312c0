"""MRZ text rules on strings: check digits, look-alikes, names, lengths, fields."""

from __future__ import annotations

from datetime import date

import pytest

from mrz_reader.decide import parse_fields
from mrz_reader.layouts import TD1, TD3
from mrz_reader.text import check_digit, clean_names, evaluate, fit

SPECIMEN = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]


def test_check_digits_of_the_icao_specimen():
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("ZE184226B<<<<<") == "1"


def test_specimen_is_valid_and_a_wrong_check_digit_is_not():
    assert evaluate(TD3, SPECIMEN).valid
    broken = [SPECIMEN[0], SPECIMEN[1][:19] + "3" + SPECIMEN[1][20:]]
    reading = evaluate(TD3, broken)
    assert not reading.valid and reading.checks_ok < reading.checks_total


def test_letters_read_in_dates_and_digits_read_in_codes_are_put_back():
    ocr = (
        "P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UT07408I22F12O4159ZE184226B<<<<<10"
    )
    assert list(fit(ocr).lines) == SPECIMEN


def test_b_for_8_twice_in_the_number_is_resolved_although_both_check():
    # B and 8 differ by 3 at weights 3 and 7: "LB9B902C3" has check digit 6 too.
    assert check_digit("LB9B902C3") == check_digit("L898902C3")
    ocr = (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nLB9B902C36UTO7408122F1204159ZE184226B<<<<<10"
    )
    assert fit(ocr).lines[1] == SPECIMEN[1]


def test_letter_o_in_the_number_is_chosen_by_the_check_digit():
    number = "AB0O12345"  # a real zero then a real letter O
    line2 = f"{number}{check_digit(number)}MAR5203149F3107221<<<<<<<<<<<<<<0"
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    line1 = "P<MARBENNANI<<AHMED<<<<<<<<<<<<<<<<<<<<<<<<<"
    misread = line2.replace("AB0O", "ABOO", 1)
    reading = fit(f"{line1}\n{misread}")
    assert reading.valid and reading.lines[1] == line2


def test_spaces_and_a_dropped_filler_in_a_data_line_are_repaired():
    ocr = (
        "P<UTOERIKSSON<<ANNA<MARI A<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<10"
    )
    assert list(fit(ocr).lines) == SPECIMEN


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("HENERT<<<<<<<K<KK<KKKKKKKKK", "HENERT<<<<<<<<<<<<<<<<<<<<<"),
        ("PUDARSAN<<HENERT<<K<KK<KKKK", "PUDARSAN<<HENERT<<<<<<<<<<<"),
        ("ERIKSSON<<ANNA<MARIA<K<KK<<", "ERIKSSON<<ANNA<MARIA<<<<<<<"),
        ("ERIKSSON<<ANNA<MARIA<<<<<<<", "ERIKSSON<<ANNA<MARIA<<<<<<<"),
        ("EL<AMRAN1<<FAT1MA<ZAHRA<<<<", "EL<AMRANI<<FATIMA<ZAHRA<<<<"),
        ("DUPONT<<JEAN<F<<<<<<<<<<<<<", "DUPONT<<JEAN<F<<<<<<<<<<<<<"),
        ("MARIE<<<<<<<<<<<<<<<<<<<<<<", "MARIE<<<<<<<<<<<<<<<<<<<<<<"),
    ],
)
def test_filler_misreads_in_names_become_fillers_and_names_stay(read, printed):
    assert clean_names(read) == printed


def test_a_filler_read_as_two_glyphs_in_the_names_is_undone():
    ocr = (
        "P<MAREL<AMRANI<<FATIMA<KZAHRA<<<<<<<<<K<KKKKKK\n"
        "AB12345671MAR5203149F3107221<<<<<<<<<<<<<<08"
    )
    assert fit(ocr).lines[0] == "P<MAREL<AMRANI<<FATIMA<ZAHRA<<<<<<<<<<<<<<<<"


def test_td1_three_lines_are_recognised():
    ocr = (
        "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UT0<<<<<<<<<<<6\n"
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    )
    reading = fit(ocr)
    assert reading.layout is TD1 and reading.valid
    assert reading.lines[1] == "7408122F1204159UTO<<<<<<<<<<<6"


def test_text_without_mrz_shape_gives_nothing():
    assert fit("BOULANGERIE\nPAIN <<< CROISSANTS 0612345678") is None
    assert fit("") is None


def test_fields_are_split_with_names_spaced_and_dates_in_iso_form():
    fields = parse_fields(evaluate(TD3, SPECIMEN), today=date(2026, 11, 29))
    assert fields == {
        "document_type": "P",
        "issuing_country": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "document_number": "L898902C3",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "sex": "F",
        "expiry_date": "2012-04-15",
        "optional_data": "ZE184226B",
        "format": "TD3",
    }


def test_a_birth_year_not_yet_reached_is_last_century():
    line2 = "L898902C36UTO300101" + check_digit("300101") + "F350722"
    line2 += check_digit("350722") + "ZE184226B<<<<<1"
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    lines = [SPECIMEN[0], line2]
    reading = evaluate(TD3, lines)
    assert reading.valid
    fields = parse_fields(reading, today=date(2026, 11, 29))
    assert fields["birth_date"] == "1930-01-01" and fields["expiry_date"] == "2035-07-22"


def _td3(names: str, number: str) -> list[str]:
    """A valid TD3 for ``names`` (the name field) and ``number`` (9 characters)."""
    line2 = f"{number}{check_digit(number)}MAR4007074F2807188<<<<<<<<<<<<<<0"
    line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    return [("P<MAR" + names + "<" * 44)[:44], line2]


def test_a_letter_prefix_that_checks_like_a_digit_is_kept_as_read():
    # G and 6 always give the same check digit: the OCR's reading stands.
    lines = _td3("BERRADA<<AICHA", "G6402359<")
    assert list(fit("\n".join(lines)).lines) == lines


def test_a_separator_read_with_a_stray_glyph_inside_is_undone():
    lines = _td3("BERRADA<<AICHA", "G6402359<")
    ocr = lines[0].replace("BERRADA<<", "BERRADA<X<") + "\n" + lines[1]
    assert list(fit(ocr).lines) == lines


def test_a_name_ending_in_a_filler_look_alike_is_kept():
    lines = _td3("EL<KHATTABI<<LEE<ALEX", "AB1234567")
    reading = fit("\n".join(lines))
    assert reading.valid and list(reading.lines) == lines


def test_a_filler_seen_by_one_pass_wins_over_its_look_alike_in_the_names():
    from mrz_reader.decide import vote

    lines = _td3("EL<AMRANI<<FATIMA<ZAHRA", "AB1234567")
    glued = lines[0].replace("ZAHRA<", "ZAHRAS")
    readings = [fit(f"{glued}\n{lines[1]}"), fit("\n".join(lines))]
    assert list(vote(readings).lines) == lines


def test_g_and_6_are_taken_from_the_lstm_pass():
    from mrz_reader.decide import settle_g6

    lines = _td3("BERRADA<<AICHA", "G6402359<")
    legacy = fit("\n".join([lines[0], lines[1].replace("G", "6", 1)]))
    lstm = fit("\n".join(lines))
    assert legacy.valid and legacy.lines[1].startswith("66")
    assert list(settle_g6(legacy, lstm).lines) == lines


def test_a_number_the_check_digit_had_to_repair_loses_to_a_clean_reading():
    from mrz_reader.decide import vote

    lines = _td3("SQALLI<<FATIMA<ZAHRA", "ZS2601815")
    legacy = fit(lines[0] + "\n" + lines[1].replace("ZS", "23", 1))  # S read as 3
    assert legacy.valid and legacy.repairs == 2 and legacy.lines[1] != lines[1]
    lstm = fit("\n".join(lines))
    assert list(vote([legacy, lstm]).lines) == lines


def test_a_filler_read_as_k_in_the_optional_data_is_a_filler_again():
    # K is worth 20 in the check sum: the check digit cannot see it.
    lines = _td3("SQALLI<<FATIMA<ZAHRA", "ZS2601815")
    assert check_digit("<<<<<K<<<<<<<<") == check_digit("<" * 14)
    misread = lines[1][:33] + "K" + lines[1][34:]
    assert list(fit(lines[0] + "\n" + misread).lines) == lines

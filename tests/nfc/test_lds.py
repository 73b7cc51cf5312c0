"""LDS parsing: DG1 MRZ fields, the DG2 face in its encodings, EF.COM, EF.SOD."""

import pytest

from nfc_bridge import lds
from nfc_bridge.errors import MalformedResponse
from nfc_bridge.lds_files import com_data_groups, com_file
from nfc_bridge.sim.demo_data import dg1_file, dg2_file, face_jpeg, td3_mrz
from nfc_bridge.sod import parse_sod

# ICAO 9303 specimens (Part 4 TD3, Part 5 TD1, Part 6 TD2)
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"


def test_td3_passport_fields():
    f = lds.parse_dg1(dg1_file(TD3))
    assert f["format"] == "TD3" and f["document_code"] == "P"
    assert (f["surname"], f["given_names"]) == ("ERIKSSON", "ANNA MARIA")
    assert f["document_number"] == "L898902C3" and f["nationality"] == "UTO"
    assert (f["birth_date"], f["sex"], f["expiry_date"]) == ("740812", "F", "120415")
    assert f["optional_data"] == "ZE184226B"
    assert f.surname == "ERIKSSON"  # attribute access too


def test_td1_card_fields():
    f = lds.parse_dg1(dg1_file(TD1))
    assert f["format"] == "TD1" and f["document_number"] == "D23145890"
    assert f["surname"] == "ERIKSSON" and f["birth_date"] == "740812"


def test_td2_fields():
    f = lds.parse_dg1(dg1_file(TD2))
    assert f["format"] == "TD2" and f["issuing_state"] == "UTO"
    assert f["expiry_date"] == "120415" and f["given_names"] == "ANNA MARIA"


def test_generated_mrz_has_valid_check_digits():
    mrz = td3_mrz(
        "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "740812", "F", "120415", optional="ZE184226B"
    )
    assert mrz == TD3


def test_dg1_of_odd_length_is_malformed():
    with pytest.raises(MalformedResponse):
        lds.parse_dg1(dg1_file("P<UTO"))


@pytest.mark.parametrize(
    "encoding,fmt,mime",
    [
        ("19794", "JPEG", "image/jpeg"),
        ("19794", "JPEG2000", "image/jp2"),
        ("39794", "JPEG", "image/jpeg"),
    ],
)
def test_face_image_is_extracted_and_decodes(encoding, fmt, mime):
    image, w, h = face_jpeg(80, fmt)
    dg2 = dg2_file(image, w, h, encoding=encoding, jpeg2000=fmt == "JPEG2000")
    found, found_mime = lds.extract_face(dg2)
    assert found == image and found_mime == mime
    assert lds.decode_image(found) == (w, h)


def test_dg2_without_image_is_malformed():
    with pytest.raises(MalformedResponse):
        lds.extract_face(bytes.fromhex("7503020101"))
    with pytest.raises(MalformedResponse):
        lds.decode_image(b"\xff\xd8\xff\x00 not really a jpeg")


def test_ef_com_lists_data_groups():
    assert com_data_groups(com_file(["DG1", "DG2", "DG14", "DG15"])) == [
        "DG1",
        "DG2",
        "DG14",
        "DG15",
    ]


def test_ef_sod_gives_data_group_hashes(passport):
    import hashlib

    sod = parse_sod(passport[0]["SOD"])
    assert set(sod.dg_hashes) == {1, 2, 15}
    assert sod.dg_hashes[1] == hashlib.sha256(passport[0]["DG1"]).digest()
    assert sod.signed.certificates and sod.signed.signed_attrs


@pytest.mark.parametrize(
    "mrz,key",
    [
        (TD3, "L898902C3674081221204159"),
        (TD1, "D23145890774081221204159"),
        (TD2[:36] + "\n" + TD2[36:], "D23145890774081221204159"),
        (
            "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<",
            "D23145890734934071279507122",
        ),
    ],
)
def test_bac_key_from_a_whole_mrz(mrz, key):
    from nfc_bridge.bac import MRZInfo

    assert MRZInfo.parse(mrz).key_string() == key


def test_first_of_two_facial_records_is_returned_whole():
    from nfc_bridge.sim.demo_data import _iso19794
    from nfc_bridge.tlv import tlv

    first, w, h = face_jpeg(80)
    second = face_jpeg(60)[0]
    record1 = _iso19794(first, w, h)
    bdb = record1[:12] + b"\x00\x02" + record1[14:] + _iso19794(second, w, h)[14:]
    dg2 = tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01"), tlv(0x7F60, tlv(0xA1, b""), tlv(0x5F2E, bdb))))
    assert lds.extract_face(dg2) == (first, "image/jpeg")

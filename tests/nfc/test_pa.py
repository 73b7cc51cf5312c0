"""Passive authentication: each check is reported on its own."""

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from nfc_bridge.pa import passive_auth
from nfc_bridge.sim import build_passport
from nfc_bridge.sim.pki import make_pki, master_list
from nfc_bridge.truststore import TrustStore


def test_genuine_passport_passes_every_check(passport, trust):
    report = passive_auth(passport[0], trust)
    assert report["sod_signature"]["status"] == "pass"
    assert report["dsc_chain"]["status"] == "pass"
    assert report["country"]["status"] == "pass"
    assert {k: v["status"] for k, v in report["dg_hashes"].items()} == {
        "DG1": "pass",
        "DG2": "pass",
        "DG15": "pass",
    }
    assert report["passed"] is True


def test_tampered_face_fails_its_hash_only(passport, trust):
    files = dict(passport[0])
    dg2 = bytearray(files["DG2"])
    dg2[-100] ^= 0x01
    files["DG2"] = bytes(dg2)
    report = passive_auth(files, trust)
    assert report["dg_hashes"]["DG2"]["status"] == "fail"
    assert "altered" in report["dg_hashes"]["DG2"]["reason"]
    assert report["dg_hashes"]["DG1"]["status"] == "pass"
    assert report["sod_signature"]["status"] == "pass"
    assert report["passed"] is False


def test_data_group_missing_from_sod_fails(passport, trust):
    files = {**passport[0], "DG11": b"\x6b\x00"}
    report = passive_auth(files, trust)
    assert report["dg_hashes"]["DG11"]["status"] == "fail"


def test_tampered_sod_signature_fails(passport, trust):
    files = dict(passport[0])
    sod = bytearray(files["SOD"])
    sod[-5] ^= 0x01  # inside the signature value
    files["SOD"] = bytes(sod)
    report = passive_auth(files, trust)
    assert report["sod_signature"]["status"] == "fail"
    assert report["passed"] is False


def test_dsc_from_another_country_root_fails_the_chain(passport):
    stranger = make_pki("UT")  # same name, different key
    report = passive_auth(passport[0], TrustStore([stranger.csca]))
    assert report["dsc_chain"]["status"] == "fail"
    assert report["sod_signature"]["status"] == "pass"
    assert report["passed"] is False


def test_unknown_csca_name_fails_the_chain(passport):
    other = make_pki("FR")
    report = passive_auth(passport[0], TrustStore([other.csca]))
    assert report["dsc_chain"]["status"] == "fail"
    assert "no CSCA" in report["dsc_chain"]["reason"]


def test_expired_document_signer_fails(pki):
    expired = make_pki("UT", dsc_expired=True, csca_key=pki.csca_key, csca=pki.csca)
    files, _ = build_passport(expired)
    report = passive_auth(files, TrustStore([pki.csca]))
    assert report["dsc_chain"]["status"] == "fail"
    assert "not valid now" in report["dsc_chain"]["reason"]
    assert report["sod_signature"]["status"] == "pass"


def test_country_mismatch_between_mrz_and_certificates_fails(pki):
    files, _ = build_passport(pki, mrz_fields={"nationality": "FRA", "issuing": "FRA"})
    report = passive_auth(files, TrustStore([pki.csca]))
    assert report["country"]["status"] == "fail"
    assert "FRA" in report["country"]["reason"]
    assert report["passed"] is False


def test_without_trust_store_the_chain_is_not_checked(passport):
    report = passive_auth(passport[0], None)
    assert report["dsc_chain"]["status"] == "not_checked"
    assert report["sod_signature"]["status"] == "pass"
    assert report["passed"] is False


@pytest.mark.parametrize(
    "kind,scheme,hash_name",
    [("rsa", "pss", "sha256"), ("ecdsa", "ecdsa", "sha384"), ("rsa", "pkcs1", "sha512")],
)
def test_pss_and_ecdsa_signatures_verify(kind, scheme, hash_name):
    pki = make_pki("UT", kind=kind)
    files, _ = build_passport(pki, scheme=scheme, hash_name=hash_name)
    report = passive_auth(files, TrustStore([pki.csca]))
    assert report["passed"], report
    label = {"pss": "RSASSA-PSS", "ecdsa": "ECDSA", "pkcs1": "PKCS#1"}[scheme]
    assert label in report["sod_signature"]["reason"]


def test_trust_store_from_master_list_folder_and_file(tmp_path, passport, pki):
    other = make_pki("FR")
    ml = tmp_path / "ml.bin"
    ml.write_bytes(master_list([other.csca, pki.csca], pki))
    store = TrustStore.load(ml)
    assert len(store.certs) == 2
    assert passive_auth(passport[0], store)["dsc_chain"]["status"] == "pass"
    folder = tmp_path / "cscas"
    folder.mkdir()
    (folder / "ut.pem").write_bytes(pki.csca.public_bytes(serialization.Encoding.PEM))
    (folder / "fr.cer").write_bytes(other.csca.public_bytes(serialization.Encoding.DER))
    assert passive_auth(passport[0], TrustStore.load(folder))["passed"] is True
    assert passive_auth(passport[0], TrustStore.load(folder / "ut.pem"))["passed"] is True


def test_a_given_dsc_replaces_the_embedded_one(passport, trust, pki):
    other = make_pki("UT", csca_key=pki.csca_key, csca=pki.csca)
    report = passive_auth(passport[0], trust, dsc=other.dsc)
    assert report["sod_signature"]["status"] == "fail"


def test_checking_in_the_future_after_expiry_fails(passport, trust):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * 30)
    assert passive_auth(passport[0], trust, now=later)["dsc_chain"]["status"] == "fail"


def test_unreadable_sod_is_a_failed_check_not_a_crash(passport, trust):
    files = {**passport[0], "SOD": passport[0]["SOD"][:200]}
    report = passive_auth(files, trust)
    assert report["sod_signature"]["status"] == "fail"
    assert report["passed"] is False


def test_master_list_with_a_broken_signature_is_refused(tmp_path, pki):
    from nfc_bridge.errors import MalformedResponse

    ml = bytearray(master_list([pki.csca], pki))
    ml[-3] ^= 0x01  # inside the signature
    (tmp_path / "ml.bin").write_bytes(bytes(ml))
    with pytest.raises(MalformedResponse):
        TrustStore.load(tmp_path / "ml.bin")


def test_master_list_signed_by_an_outsider_is_refused(tmp_path, pki):
    from nfc_bridge.errors import MalformedResponse

    outsider = make_pki("FR")
    (tmp_path / "ml.bin").write_bytes(master_list([pki.csca], outsider))
    with pytest.raises(MalformedResponse, match="not issued by a CSCA"):
        TrustStore.load(tmp_path / "ml.bin")


ID_DATA = "1.2.840.113549.1.7.1"  # CMS "data": not an LDS security object


def test_sod_whose_signed_content_type_is_not_the_lds_security_object_fails(pki, trust):
    # The signature is genuine, but the signer signed a contentType other than
    # the one encapsulated: the signed bytes do not say "LDS security object".
    files, _ = build_passport(pki, attr_content_type=ID_DATA)
    report = passive_auth(files, trust)
    assert report["sod_signature"]["status"] == "fail"
    assert "contentType" in report["sod_signature"]["reason"]
    assert report["passed"] is False


def test_sod_that_signs_another_kind_of_content_fails(pki, trust):
    files, _ = build_passport(pki, content_type=ID_DATA)
    report = passive_auth(files, trust)
    assert report["sod_signature"]["status"] == "fail"
    assert "not an LDS security object" in report["sod_signature"]["reason"]


@pytest.mark.parametrize("sid", ["issuer_serial", "ski"])
def test_sod_with_two_certificates_is_checked_with_the_one_the_signer_info_names(pki, sid):
    # A decoy DSC from another state comes first, with the same serial number.
    decoy = make_pki("FR", dsc_serial=pki.dsc.serial_number)
    other = TrustStore([pki.csca, decoy.csca])
    files, _ = build_passport(pki, sid=sid, other_certs=(decoy.dsc,))
    report = passive_auth(files, other)
    assert report["sod_signature"]["status"] == "pass", report["sod_signature"]
    assert pki.dsc.subject.rfc4514_string() in report["sod_signature"]["reason"]
    assert report["passed"] is True

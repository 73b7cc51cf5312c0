"""ICAO Doc 9303 Part 11 worked examples (Appendix D for BAC/SM, G.1 for PACE ECDH-GM).

The hex values are copied from the specification's examples (as recomputed in the
project's shared test data) so the suite needs no external file.
"""

from nfc_bridge import bac, crypto, pace
from nfc_bridge.apdu import Command, select_ef
from nfc_bridge.bac import MRZInfo
from nfc_bridge.sm import SMKeys, protect, unprotect


def h(s: str) -> bytes:
    return bytes.fromhex(s)


# Appendix D.2: key derivation from the MRZ
D2_MRZ = "L898902C<369080619406236"
D2_KSEED = "239AB9CB282DAF66231DC5A4DF6BFBAE"
D2_KENC = "AB94FDECF2674FDFB9B391F85D7F76F2"
D2_KMAC = "7962D9ECE03D1ACD4C76089DCE131543"

# Appendix D.3: mutual authentication
D3 = {
    "rnd_ic": "4608F91988702212",
    "rnd_ifd": "781723860C06C226",
    "k_ifd": "0B795240CB7049B01C19B33E32804F0B",
    "ext_auth_cmd": "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
    "5F1448EEA8AD90A728",
    "resp_data": "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449",
    "ks_enc": "979EC13B1CBFE9DCD01AB0FED307EAE5",
    "ks_mac": "F1CB1F1FB5ADF208806B89DC579DC1F8",
    "ssc": "887022120C06C226",
}

# Appendix D.4: secure messaging (SELECT EF.COM, READ BINARY 4, READ BINARY 18)
SM = [
    (
        "00A4020C02011E",
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
        "990290008E08FA855A5D4C50A8ED9000",
        "",
    ),
    (
        "00B0000004",
        "0CB000000D9701048E08ED6705417E96BA5500",
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
        "60145F01",
    ),
    (
        "00B0000412",
        "0CB000040D9701128E082EA28A70F3C7B53500",
        "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
        "04303130365F36063034303030305C026175",
    ),
]

# Appendix G.1: PACE ECDH generic mapping, AES-128, brainpoolP256r1
G1 = {
    "mrz": "T22000129364081251010318",
    "k_pi": "89DED1B26624EC1E634C1989302849DD",
    "ef_cardaccess": "31143012060A04007F0007020204020202010202010D",
    "mse_set_at": "0022C1A40F800A04007F00070202040202830101",
    "ga1_cmd": "10860000027C0000",
    "encrypted_nonce": "95A3A016522EE98D01E76CB6B98B42C3",
    "nonce_s": "3F00C4D39D153F2B2A214A078D899B22",
    "sk_map_ifd": "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
    "pk_map_ifd": "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB672"
    "5218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D",
    "pk_map_ic": "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C"
    "9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54",
    "mapped_G": "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8"
    "611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522",
    "sk_dh_ifd": "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
    "pk_dh_ifd": "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186D"
    "F10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462",
    "sk_dh_ic": "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A",
    "pk_dh_ic": "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2E"
    "DDC3C265A9F018F9CB852E111B768B326904B59A0193776F094",
    "shared_secret_x": "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925",
    "ks_enc": "F5F0E35C0D7161EE6724EE513A0D9A7F",
    "ks_mac": "FE251C7858B356B24514B3BD5F4297D1",
    "t_ifd": "C2B0BD78D94BA866",
    "t_ic": "3ABB9674BCE93C08",
    "ga4_cmd": "008600000C7C0A8508C2B0BD78D94BA86600",
}


def test_bac_keys_from_mrz_information():
    mrz = MRZInfo.parse(D2_MRZ)
    assert bac.key_seed(mrz) == h(D2_KSEED)
    assert bac.bac_keys(mrz) == (h(D2_KENC), h(D2_KMAC))


def test_long_document_number_key_seed():
    mrz = MRZInfo.parse("D23145890734934071279507122")
    assert mrz.document_number == "D23145890734"
    assert bac.key_seed(mrz) == h("B366AD857DDCA2B08C0E299811714730")


def test_mutual_authentication_and_session_keys():
    k_enc, k_mac = h(D2_KENC), h(D2_KMAC)
    data = bac.external_authenticate_data(
        k_enc, k_mac, h(D3["rnd_ic"]), h(D3["rnd_ifd"]), h(D3["k_ifd"])
    )
    assert Command(0, 0x82, 0, 0, data, le=40).encode() == h(D3["ext_auth_cmd"])
    ks_enc, ks_mac, ssc = bac.session_from_response(
        k_enc, k_mac, h(D3["rnd_ic"]), h(D3["rnd_ifd"]), h(D3["k_ifd"]), h(D3["resp_data"])
    )
    assert (ks_enc, ks_mac, ssc) == (h(D3["ks_enc"]), h(D3["ks_mac"]), h(D3["ssc"]))


def test_secure_messaging_apdus():
    keys = SMKeys(crypto.DES3, h(D3["ks_enc"]), h(D3["ks_mac"]))
    ssc = int(D3["ssc"], 16)
    plain_cmds = [select_ef(0x011E), Command(0, 0xB0, 0, 0, le=4), Command(0, 0xB0, 0, 4, le=18)]
    for (plain, protected, rapdu, data), cmd in zip(SM, plain_cmds, strict=True):
        assert cmd.encode() == h(plain)
        ssc += 1
        assert protect(keys, cmd, ssc) == h(protected)
        ssc += 1
        assert unprotect(keys, h(rapdu), ssc) == (h(data), 0x9000, True)


def test_retail_mac_and_parity():
    assert crypto.adjust_parity(h("AB94FCEDF2664EDFB9B291F85D7F77F2")) == h(D2_KENC)
    assert crypto.retail_mac(
        h(D2_KMAC),
        crypto.pad(h("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")),
    ) == h("5F1448EEA8AD90A7")


def test_pace_ecdh_generic_mapping_brainpool_p256():
    (info,) = pace.parse_card_access(h(G1["ef_cardaccess"]))
    assert info.supported and info.key_bits == 128 and info.parameter_id == 13
    assert pace.mse_set_at(info.oid).encode() == h(G1["mse_set_at"])
    assert pace.general_authenticate(None, b"").encode() == h(G1["ga1_cmd"])
    mrz = MRZInfo.parse(G1["mrz"])
    k_pi = pace.password_key(mrz.key_string(), 128)
    assert k_pi == h(G1["k_pi"])
    nonce = pace.decrypt_nonce(k_pi, h(G1["encrypted_nonce"]))
    assert nonce == h(G1["nonce_s"])
    curve = pace.CURVES[13]
    sk_map = int(G1["sk_map_ifd"], 16)
    assert pace.encode_point(curve, curve.generator * sk_map) == h(G1["pk_map_ifd"])
    mapped = pace.map_generator(curve, nonce, sk_map, pace.decode_point(curve, h(G1["pk_map_ic"])))
    assert pace.encode_point(curve, mapped) == h(G1["mapped_G"])
    sk_dh = int(G1["sk_dh_ifd"], 16)
    assert pace.encode_point(curve, mapped * sk_dh) == h(G1["pk_dh_ifd"])
    pk_dh_ic = pace.decode_point(curve, h(G1["pk_dh_ic"]))
    assert pace.encode_point(curve, mapped * int(G1["sk_dh_ic"], 16)) == h(G1["pk_dh_ic"])
    secret = pace.shared_secret(curve, sk_dh, pk_dh_ic)
    assert secret == h(G1["shared_secret_x"])
    ks_enc, ks_mac = pace.session_keys(secret, 128)
    assert (ks_enc, ks_mac) == (h(G1["ks_enc"]), h(G1["ks_mac"]))
    t_ifd = pace.auth_token(ks_mac, info.oid, h(G1["pk_dh_ic"]))
    assert t_ifd == h(G1["t_ifd"])
    assert pace.auth_token(ks_mac, info.oid, h(G1["pk_dh_ifd"])) == h(G1["t_ic"])
    assert pace.general_authenticate(0x85, t_ifd, last=True).encode() == h(G1["ga4_cmd"])


def test_pace_refuses_a_point_off_the_curve():
    import pytest

    from nfc_bridge.errors import PaceFailed

    curve = pace.CURVES[13]
    bad = bytearray(h(G1["pk_dh_ic"]))
    bad[-1] ^= 1
    with pytest.raises(PaceFailed):
        pace.decode_point(curve, bytes(bad))

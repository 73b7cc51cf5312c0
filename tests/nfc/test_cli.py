"""The command line, run as a user would: ``python -m nfc_bridge read|verify``."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nfc_bridge", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_read_the_simulator_as_json():
    p = cli("read", "--reader", "simulator", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["ok"] and out["access"] == "PACE" and out["face_found"] is True
    assert out["dg1"]["surname"] == "DEMO"
    assert out["passive_auth"]["passed"] is True
    assert out["passive_auth"]["dsc_chain"]["status"] == "pass"
    assert out["active_auth"]["status"] == "pass"
    assert "face_image_base64" not in out


def test_read_with_image_and_bac_chip():
    p = cli("read", "--reader", "simulator", "--chip", "bac", "--json", "--with-image")
    out = json.loads(p.stdout)
    assert out["access"] == "BAC" and len(out["face_image_base64"]) > 20000


def test_read_with_wrong_mrz_says_check_your_passport():
    p = cli(
        "read",
        "--reader",
        "simulator",
        "--chip",
        "bac",
        "--mrz",
        "L898902C<369080619406236",
        "--json",
    )
    assert p.returncode == 1
    err = json.loads(p.stdout)["error"]
    assert err["code"] == "bac_failed"
    assert "message_fr" not in err, "the engine gives codes; texts are the web layer's"


def test_verify_files_then_a_tampered_one(tmp_path):
    assert cli("demo-files", str(tmp_path)).returncode == 0
    args = [
        "verify",
        "--sod",
        str(tmp_path / "EF_SOD.bin"),
        "--dg",
        f"1={tmp_path / 'EF_DG1.bin'}",
        "--dg",
        f"2={tmp_path / 'EF_DG2.bin'}",
        "--csca",
        str(tmp_path / "CSCA.cer"),
        "--json",
    ]
    p = cli(*args)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert {c: report[c]["status"] for c in ("sod_signature", "dsc_chain", "country")} == {
        "sod_signature": "pass",
        "dsc_chain": "pass",
        "country": "pass",
    }
    assert report["dg_hashes"]["DG2"]["status"] == "pass"

    dg2 = bytearray((tmp_path / "EF_DG2.bin").read_bytes())
    dg2[-50] ^= 0xFF
    (tmp_path / "EF_DG2.bin").write_bytes(bytes(dg2))
    p = cli(*args)
    assert p.returncode == 3
    report = json.loads(p.stdout)
    assert report["dg_hashes"]["DG2"]["status"] == "fail"
    assert report["dg_hashes"]["DG1"]["status"] == "pass"


def test_verify_without_trust_store_prints_not_checked(tmp_path):
    cli("demo-files", str(tmp_path))
    p = cli("verify", "--sod", str(tmp_path / "EF_SOD.bin"), "--dg", f"1={tmp_path / 'EF_DG1.bin'}")
    assert p.returncode == 3
    assert "dsc_chain      not_checked" in p.stdout


def test_demo_passports_of_two_processes_share_one_csca(tmp_path):
    cli("demo-files", str(tmp_path / "a"))
    cli("demo-files", str(tmp_path / "b"))
    b = tmp_path / "b"
    p = cli(
        "verify",
        "--sod",
        str(b / "EF_SOD.bin"),
        "--dg",
        f"1={b / 'EF_DG1.bin'}",
        "--dg",
        f"2={b / 'EF_DG2.bin'}",
        "--csca",
        str(tmp_path / "a" / "CSCA.cer"),
    )
    assert p.returncode == 0, p.stdout
    assert "dsc_chain      pass" in p.stdout


def test_verify_with_a_given_wrong_dsc_fails_the_signature(tmp_path):
    from cryptography.hazmat.primitives import serialization

    from nfc_bridge.sim.pki import make_pki

    cli("demo-files", str(tmp_path))
    (tmp_path / "DSC.pem").write_bytes(
        make_pki("UT", kind="ecdsa").dsc.public_bytes(serialization.Encoding.PEM)
    )
    p = cli(
        "verify",
        "--sod",
        str(tmp_path / "EF_SOD.bin"),
        "--dg",
        f"1={tmp_path / 'EF_DG1.bin'}",
        "--dsc",
        str(tmp_path / "DSC.pem"),
        "--json",
    )
    assert p.returncode == 3
    assert json.loads(p.stdout)["sod_signature"]["status"] == "fail"


def test_verify_refuses_a_bad_dg_argument(tmp_path):
    cli("demo-files", str(tmp_path))
    p = cli("verify", "--sod", str(tmp_path / "EF_SOD.bin"), "--dg", "one=x")
    assert p.returncode == 2 and "N=FILE" in p.stderr

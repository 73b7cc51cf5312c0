"""Command line: ``python -m nfc_bridge read|verify|demo-files|forward``.

Exit status: 0 read/verified and every check passed, 3 read but a check failed or
was not possible, 1 the read failed (a named error), 2 bad usage. ``forward`` (the
desk helper, ``forward.py``) has its own list: ``python -m nfc_bridge forward -h``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path

from . import forward
from .errors import NfcError
from .pa import passive_auth
from .truststore import TrustStore


def _print_checks(report: dict) -> None:
    for name in ("sod_signature", "dsc_chain", "country"):
        c = report[name]
        print(f"{name:14} {c['status']:12} {c['reason']}")
    for dg, c in report["dg_hashes"].items():
        print(f"{'dg_hashes ' + dg:14} {c['status']:12} {c['reason']}")
    print(f"{'passed':14} {report['passed']}")


def cmd_read(args) -> int:
    """``read``: read a chip, verify it, print the outcome."""
    from .reader import read_passport
    from .terminal import Terminal

    trust = TrustStore.load(args.csca) if args.csca else None
    if args.reader == "simulator":
        from .sim import demo_passport

        options: dict = {"pace_param": None} if args.chip == "bac" else {}
        if args.chip == "short":
            options.update(extended_length=False)
        chip, demo_mrz, demo_trust = demo_passport(**options)
        transmit_batch = chip.transmit_batch
        mrz = args.mrz or demo_mrz
        trust = trust or demo_trust
    else:
        from .transports.pcsc import PcscTransport  # needs pyscard and pcscd

        if not args.mrz:
            print("--mrz is required with a real reader", file=sys.stderr)
            return 2
        transmit_batch = PcscTransport(args.reader_name).transmit_batch
        mrz = args.mrz
    challenge = bytes.fromhex(args.aa_challenge) if args.aa_challenge else secrets.token_bytes(8)
    try:
        terminal = Terminal(mrz, aa_challenge=challenge)
        result = read_passport(terminal, transmit_batch, trust_store=trust)
    except NfcError as exc:
        out = {"ok": False, "error": exc.to_dict()}
        print(
            json.dumps(out, ensure_ascii=False) if args.json else f"error {exc.code} ({exc.detail})"
        )
        return 1
    data = {"ok": True, "rounds": terminal.rounds, **result.to_dict(args.with_image)}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        dg1 = result.dg1 or {}
        print(f"access {result.access}, {terminal.rounds} round trips")
        print(
            f"{dg1.get('surname')} {dg1.get('given_names')} {dg1.get('document_number')} "
            f"born {dg1.get('birth_date')} expires {dg1.get('expiry_date')}"
        )
        print(f"face image: {result.face_mime} {result.face_size}")
        _print_checks(result.passive_auth)
        print(f"active_auth    {result.active_auth['status']:12} {result.active_auth['reason']}")
    return 0 if result.trusted and result.passive_auth["passed"] else 3


def cmd_verify(args) -> int:
    """``verify``: passive authentication of files."""
    from cryptography import x509

    files = {"SOD": Path(args.sod).read_bytes()}
    for spec in args.dg:
        number, _, path = spec.partition("=")
        if not number.isdigit() or not path:
            print(f"bad --dg {spec!r}: use N=FILE", file=sys.stderr)
            return 2
        files[f"DG{int(number)}"] = Path(path).read_bytes()
    dsc = None
    if args.dsc:
        raw = Path(args.dsc).read_bytes()
        dsc = (
            x509.load_pem_x509_certificate(raw)
            if raw.startswith(b"-----")
            else x509.load_der_x509_certificate(raw)
        )
    try:
        trust = TrustStore.load(args.csca) if args.csca else None
    except NfcError as exc:
        print(f"cannot load --csca: {exc.detail}", file=sys.stderr)
        return 2
    report = passive_auth(files, trust, dsc=dsc)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_checks(report)
    return 0 if report["passed"] else 3


def cmd_demo_files(args) -> int:
    """Write the demo passport's files and CSCA, to try ``verify`` by hand."""
    from cryptography.hazmat.primitives import serialization

    from .lds_files import FIDS
    from .sim import demo_passport

    chip, mrz, trust = demo_passport()
    out = Path(args.directory)
    out.mkdir(parents=True, exist_ok=True)
    names = {fid: name for name, fid in FIDS.items()}
    for fid, data in chip.files.items():
        if fid in names:
            (out / f"EF_{names[fid]}.bin").write_bytes(data)
    (out / "CSCA.cer").write_bytes(trust.certs[0].public_bytes(serialization.Encoding.DER))
    print(f"demo passport files written to {out} (MRZ information {mrz})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the sub-command."""
    parser = argparse.ArgumentParser(prog="python -m nfc_bridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("read", help="read and verify a passport chip")
    r.add_argument("--reader", choices=["pcsc", "simulator"], default="simulator")
    r.add_argument("--reader-name", help="PC/SC reader name substring")
    r.add_argument("--mrz", help='MRZ information, e.g. "L898902C<369080619406236"')
    r.add_argument("--csca", help="CSCA trust store: certificate, folder or master list")
    r.add_argument("--aa-challenge", help="8-byte hex challenge (default: random)")
    r.add_argument(
        "--chip", choices=["pace", "bac", "short"], default="pace", help="simulated chip flavour"
    )
    r.add_argument("--json", action="store_true")
    r.add_argument("--with-image", action="store_true", help="include the face as base64")
    r.set_defaults(func=cmd_read)
    v = sub.add_parser("verify", help="passive authentication of EF.SOD and data group files")
    v.add_argument("--sod", required=True)
    v.add_argument("--dg", action="append", default=[], help="N=FILE, repeatable")
    v.add_argument("--dsc", help="document signer certificate (else the one in EF.SOD)")
    v.add_argument("--csca", help="CSCA trust store: certificate, folder or master list")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)
    d = sub.add_parser("demo-files", help="write the demo passport's EF files")
    d.add_argument("directory")
    d.set_defaults(func=cmd_demo_files)
    forward.add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

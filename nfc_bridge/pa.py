"""Passive authentication (ICAO 9303-11 §5.1): is the data what the issuing state signed?

Each check is reported on its own as pass / fail / not_checked with a reason:
``sod_signature``, ``dsc_chain``, ``dg_hashes`` (one per data group read) and
``country``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from . import oids
from .cms import FAIL, NOT_CHECKED, PASS, check, verify_signed_data
from .country import alpha2
from .errors import NfcError
from .lds_files import dg_number
from .sod import SecurityObject, parse_sod
from .truststore import TrustStore


def passive_auth(
    files: dict[str, bytes],
    trust_store: TrustStore | None = None,
    *,
    dsc: x509.Certificate | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Run every check on LDS files by name ("SOD", "DG1", ...); never raises."""
    report = {
        "sod_signature": check(NOT_CHECKED, "no EF.SOD"),
        "dsc_chain": check(NOT_CHECKED, "no document signer certificate"),
        "dg_hashes": {},
        "country": check(NOT_CHECKED, "no DG1 or no certificate"),
    }
    try:
        sod = parse_sod(files["SOD"]) if "SOD" in files else None
    except NfcError as exc:
        report["sod_signature"] = check(FAIL, f"unreadable EF.SOD: {exc.detail}")
        return _summary(report)
    if sod is None:
        return _summary(report)
    report["dg_hashes"] = _dg_hashes(files, sod)
    signer = dsc or sod.signed.signer_certificate
    if signer is None:
        reason = "no document signer certificate in EF.SOD"
        if sod.signed.certificates:
            reason = f"no certificate in EF.SOD is the signer's ({sod.signed.signer_id})"
        report["sod_signature"] = check(FAIL, reason)
        return _summary(report)
    report["sod_signature"] = _verify_sod(sod, signer)
    report["dsc_chain"] = _verify_chain(signer, trust_store, now or dt.datetime.now(dt.UTC))
    report["country"] = _country(files.get("DG1"), signer, trust_store)
    return _summary(report)


def _summary(report: dict) -> dict:
    checks = [
        report["sod_signature"],
        report["dsc_chain"],
        report["country"],
        *report["dg_hashes"].values(),
    ]
    report["passed"] = bool(report["dg_hashes"]) and all(c["status"] == PASS for c in checks)
    return report


def _dg_hashes(files: dict[str, bytes], sod: SecurityObject) -> dict:
    hcls = oids.HASHES.get(sod.hash_oid)
    out = {}
    for name, data in sorted(files.items()):
        if not name.startswith("DG"):
            continue
        expected = sod.dg_hashes.get(dg_number(name))
        if hcls is None:
            out[name] = check(NOT_CHECKED, f"unknown hash algorithm {sod.hash_oid}")
        elif expected is None:
            out[name] = check(FAIL, "data group not listed in EF.SOD")
        elif hmac.compare_digest(hashlib.new(hcls().name, data).digest(), expected):
            out[name] = check(PASS, f"{hcls().name} matches EF.SOD")
        else:
            out[name] = check(FAIL, f"{hcls().name} differs from EF.SOD: data group altered")
    return out


def _verify_sod(sod: SecurityObject, dsc: x509.Certificate) -> dict:
    return verify_signed_data(sod.signed, dsc, "document signer")


def _verify_chain(dsc: x509.Certificate, store: TrustStore | None, now: dt.datetime) -> dict:
    if store is None or not store.certs:
        return check(NOT_CHECKED, "no CSCA trust store given")
    if not dsc.not_valid_before_utc <= now <= dsc.not_valid_after_utc:
        return check(
            FAIL,
            f"document signer certificate not valid now "
            f"(valid {dsc.not_valid_before_utc:%Y-%m-%d} to "
            f"{dsc.not_valid_after_utc:%Y-%m-%d})",
        )
    candidates = store.issuers_of(dsc)
    if not candidates:
        return check(FAIL, f"no CSCA named {dsc.issuer.rfc4514_string()} in the trust store")
    for csca in candidates:
        try:
            dsc.verify_directly_issued_by(csca)
        except (InvalidSignature, ValueError, TypeError):
            continue
        if not csca.not_valid_before_utc <= now <= csca.not_valid_after_utc:
            return check(FAIL, "the CSCA certificate is not valid now")
        return check(PASS, f"signed by CSCA {csca.subject.rfc4514_string()}")
    return check(FAIL, "document signer certificate not signed by any trusted CSCA")


def _country_of(name: x509.Name) -> str | None:
    attrs = name.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
    return str(attrs[0].value).upper() if attrs else None


def _country(dg1: bytes | None, dsc: x509.Certificate, store: TrustStore | None) -> dict:
    if dg1 is None:
        return check(NOT_CHECKED, "DG1 not read")
    from .lds import parse_dg1

    try:
        state = parse_dg1(dg1)["issuing_state"]
    except NfcError as exc:
        return check(FAIL, f"unreadable DG1: {exc.detail}")
    code = alpha2(state)
    found = {c for c in (_country_of(dsc.subject), _country_of(dsc.issuer)) if c}
    if code is None:
        return check(NOT_CHECKED, f"unknown issuing state {state!r}")
    if found != {code}:
        return check(
            FAIL,
            f"MRZ issuing state {state} ({code}) but certificates say "
            f"{', '.join(sorted(found)) or 'nothing'}",
        )
    return check(PASS, f"MRZ issuing state {state} matches certificate country {code}")

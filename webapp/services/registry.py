"""Importing the pensioner registry and payments from the fund's own systems.

Each file is all-or-nothing: every line is validated first, every rejected
line is reported with its number and reason, and only a clean file is written,
in one transaction. Re-importing the same file updates rows, never duplicates.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ..errors import DomainError, ImportRejected
from ..models import AccountStatus, Pensioner, utcnow
from ..models.money import Payment
from . import audit, throttle
from .dp import normalise_dp
from .passwords import hash_password, temporary_password

PENSIONER_HEADER = [
    "dp_number",
    "last_name",
    "first_name",
    "birth_date",
    "nationality",
    "passport_number",
    "id_number",
    "email",
    "gsm",
    "address",
    "city",
    "country",
    "language",
]
PAYMENT_HEADER = ["dp_number", "period", "pay_date", "gross", "igr", "net", "method"]


class UnknownPensioner(DomainError):
    """No pensioner has this pension file number."""

    message = _l("Aucun allocataire avec ce numéro de dossier.")

    def __init__(self, dp_number: str):
        super().__init__(dp_number=dp_number)
        self.dp_number = dp_number


METHODS = {"virement", "mandat", "cheque"}
_DP = re.compile(r"^[A-Z0-9]{4,20}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GSM = re.compile(r"^\+?[0-9 ]{8,20}$")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _rows(text: str, header: list[str]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    found = [h.strip() for h in (reader.fieldnames or [])]
    if found != header:
        raise ImportRejected([(1, f"header must be {','.join(header)}")])
    rows = []
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            rows.append((reader.line_num, {"__error__": "wrong number of columns"}))
            continue
        rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items()}))
    return rows


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field} must be a date YYYY-MM-DD, got {value!r}") from None


def _centimes(value: str, field: str) -> int:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{field} must be an amount like 9879.43, got {value!r}") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{field} must be positive with at most 2 decimals, got {value!r}")
    return int(amount * 100)


def _parse_pensioner(row: dict[str, str]) -> dict:
    dp = row["dp_number"].upper()
    if not _DP.match(dp):
        raise ValueError(f"dp_number {row['dp_number']!r} is not a valid file number")
    if not row["last_name"] or not row["first_name"]:
        raise ValueError("last_name and first_name are required")
    birth = _date(row["birth_date"], "birth_date")
    if not date(1900, 1, 1) <= birth <= date.today():
        raise ValueError(f"birth_date {row['birth_date']} is out of range")
    for field in ("nationality", "country"):
        if not _ISO3.match(row[field].upper()):
            raise ValueError(f"{field} must be an ISO 3166 alpha-3 code, got {row[field]!r}")
    if row["email"] and not _EMAIL.match(row["email"]):
        raise ValueError(f"email {row['email']!r} is not valid")
    if row["gsm"] and not _GSM.match(row["gsm"]):
        raise ValueError(f"gsm {row['gsm']!r} is not valid")
    language = (row["language"] or "fr").lower()
    if language not in {"fr", "ar", "en"}:
        raise ValueError(f"language must be fr, ar or en, got {row['language']!r}")
    return {
        "dp_number": dp,
        "last_name": row["last_name"].upper(),
        "first_name": row["first_name"],
        "birth_date": birth,
        "nationality": row["nationality"].upper(),
        "passport_number": row["passport_number"].upper() or None,
        "id_number": row["id_number"].upper() or None,
        "email": row["email"].lower() or None,
        "gsm": row["gsm"].replace(" ", "") or None,
        "address": row["address"] or None,
        "city": row["city"] or None,
        "country": row["country"].upper(),
        "language": language,
    }


def _parse_file(text: str, header: list[str], parse_row) -> list[dict]:
    """Parse every line; ``parse_row`` returns ``(values, unique key)`` or raises ValueError.

    All bad lines are collected so the operator fixes the file in one go.
    """
    parsed, errors, seen = [], [], set()
    for line, row in _rows(text, header):
        try:
            if "__error__" in row:
                raise ValueError(row["__error__"])
            values, key = parse_row(row)
            if key in seen:
                raise ValueError(f"{' '.join(key)} appears twice in the file")
            seen.add(key)
            parsed.append(values)
        except ValueError as exc:
            errors.append((line, str(exc)))
    if errors:
        raise ImportRejected(errors)
    return parsed


def _upsert(
    session: Session, model, parsed: list[dict], existing: dict, key, action: str, actor: str
) -> ImportReport:
    """Insert new rows, update changed ones, in one transaction with its audit row."""
    report = ImportReport()
    try:
        for values in parsed:
            current = existing.get(key(values))
            if current is None:
                session.add(model(**values))
                report.created += 1
                continue
            changed = [k for k, v in values.items() if getattr(current, k) != v]
            for name in changed:
                setattr(current, name, values[name])
            if changed and hasattr(current, "updated_at"):
                current.updated_at = utcnow()
            report.updated += bool(changed)
            report.unchanged += not changed
        audit.record(
            session, action, actor_type=actor, created=report.created, updated=report.updated
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def import_pensioners(session: Session, text: str, *, actor: str = "operator") -> ImportReport:
    """Create or update pensioners from CSV text; raise ImportRejected naming bad lines."""

    def parse(row):
        values = _parse_pensioner(row)
        return values, ("dp_number", values["dp_number"])

    parsed = _parse_file(text, PENSIONER_HEADER, parse)
    existing = {p.dp_number: p for p in session.exec(select(Pensioner)).all()}
    return _upsert(
        session,
        Pensioner,
        parsed,
        existing,
        lambda v: v["dp_number"],
        "registry_import_pensioners",
        actor,
    )


def _parse_payment(row: dict[str, str], pensioners: dict[str, int]) -> dict:
    dp = row["dp_number"].upper()
    if dp not in pensioners:
        raise ValueError(f"unknown dp_number {row['dp_number']!r}")
    if not _PERIOD.match(row["period"]):
        raise ValueError(f"period must be YYYY-MM, got {row['period']!r}")
    gross, igr, net = (_centimes(row[f], f) for f in ("gross", "igr", "net"))
    if gross - igr != net:
        raise ValueError("net must equal gross minus igr")
    method = row["method"].lower() or "virement"
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(sorted(METHODS))}")
    return {
        "pensioner_id": pensioners[dp],
        "period": row["period"],
        "pay_date": _date(row["pay_date"], "pay_date"),
        "gross": gross,
        "igr": igr,
        "net": net,
        "method": method,
    }


def import_payments(session: Session, text: str, *, actor: str = "operator") -> ImportReport:
    """Create or update monthly payments from CSV text; all-or-nothing."""
    pensioners = {p.dp_number: p.id for p in session.exec(select(Pensioner)).all()}

    def parse(row):
        return _parse_payment(row, pensioners), ("payment", row["dp_number"].upper(), row["period"])

    parsed = _parse_file(text, PAYMENT_HEADER, parse)
    existing = {(p.pensioner_id, p.period): p for p in session.exec(select(Payment)).all()}
    return _upsert(
        session,
        Payment,
        parsed,
        existing,
        lambda v: (v["pensioner_id"], v["period"]),
        "registry_import_payments",
        actor,
    )


def reset_access(
    session: Session, dp_number: str, *, actor_type: str = "operator", actor_id: int | None = None
) -> str:
    """Give the pensioner a random temporary password to change at next login; return it."""
    pensioner = session.exec(
        select(Pensioner).where(Pensioner.dp_number == normalise_dp(dp_number))
    ).first()
    if pensioner is None:
        raise UnknownPensioner(dp_number)
    return reset_password(session, pensioner, actor_type=actor_type, actor_id=actor_id)


def reset_password(
    session: Session,
    pensioner: Pensioner,
    *,
    actor_type: str,
    actor_id: int | None = None,
    commit: bool = True,
    **detail: Any,
) -> str:
    """A new temporary password (to change at next login), old sessions ended; return it."""
    password = temporary_password()
    pensioner.password_hash = hash_password(password)
    pensioner.must_change_password = True
    pensioner.auth_epoch += 1
    pensioner.updated_at = utcnow()
    throttle.forget(session, "pensioner", pensioner.dp_number)
    if pensioner.account_status == AccountStatus.NOT_ENROLLED.value:
        pensioner.account_status = AccountStatus.INACTIVE.value
    session.add(pensioner)
    audit.record(
        session,
        "access_reset",
        actor_type=actor_type,
        actor_id=actor_id,
        target_type="pensioner",
        target_id=pensioner.id,
        **detail,
    )
    if commit:
        session.commit()
    return password

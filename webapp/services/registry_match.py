"""Matching what a person typed (DP, names, birth date, CIN or passport) with the registry.

Used by procedure 2's « Vos informations » step: every field must agree, with case,
accents, spaces, hyphens and apostrophes ignored in names.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ..errors import DomainError
from ..models import Pensioner
from .appointments import normalise_document
from .dp import normalise_dp


class NoMatch(DomainError):
    message = _l(
        "Aucun dossier ne correspond à ces informations. Vérifiez-les, ou contactez votre caisse."
    )


def _fold(text: str) -> str:
    """Case, accents, spaces, hyphens and apostrophes ignored: ``El-Idrissi`` = ``EL IDRISSI``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-'’.]", "", plain).casefold()


def find_pensioner(
    db: Session, dp: str, last: str, first: str, birth: date | None, document: str
) -> Pensioner:
    """The pension file whose DP, names, birth date and CIN or passport number all match."""
    pensioner = db.exec(select(Pensioner).where(Pensioner.dp_number == normalise_dp(dp))).first()
    doc = normalise_document(document)
    if (
        pensioner is None
        or birth != pensioner.birth_date
        or _fold(last) != _fold(pensioner.last_name)
        or _fold(first) != _fold(pensioner.first_name)
        or not doc
        or doc
        not in {
            normalise_document(pensioner.id_number or ""),
            normalise_document(pensioner.passport_number or ""),
        }
    ):
        raise NoMatch()
    return pensioner

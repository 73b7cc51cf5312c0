"""Choosing among the readings of several OCR passes, and the fields of the chosen one.

``vote`` settles each field from the passes (check-protected fields whole from the
reading that needed the fewest repairs), ``settle_g6`` the one confusion check digits
cannot see, and ``parse_fields`` turns the winner into ISO dates and clean names.
"""

from __future__ import annotations

import re
from datetime import date

from .text import (
    FILLER_LOOKALIKES,
    Reading,
    evaluate,
)


def vote(readings: list[Reading]) -> Reading:
    """Readings of one strip (in pass order, legacy engine first) merged into one.

    Fields a check digit protects come whole from the best-scoring reading
    (the fewest repairs: a swap the check digit asked for is partly a guess).
    The others (names, codes, optional data without a check digit) are voted
    position by position: the majority wins; a tie keeps the earliest pass's
    character in the names (the legacy engine's), the best reading's
    elsewhere; and in the names a filler seen by one pass wins over its
    look-alikes (a filler misread as a letter is far likelier than the
    reverse). The merged lines are checked again; the best reading stays if
    they fail.
    """
    best = max(readings, key=lambda r: r.score)
    same = [r for r in readings if r.layout is best.layout]
    if len(same) < 2:
        return best
    layout = best.layout
    protected: set[tuple[int, int]] = set()
    for field in layout.fields:
        if field.kind in ("check", "digits") or (field.kind == "alnum" and field.check):
            protected.update((field.line, i) for i in range(field.start, field.end))
    names = layout.field("names")
    lines = []
    for index in range(layout.lines):
        voted = []
        for column, chars in enumerate(zip(*(r.lines[index] for r in same), strict=True)):
            in_names = index == names.line and names.start <= column < names.end
            if (index, column) in protected:
                voted.append(best.lines[index][column])
            elif in_names and "<" in chars and set(chars) <= FILLER_LOOKALIKES | {"<"}:
                voted.append("<")
            else:
                counts = {ch: chars.count(ch) for ch in chars}
                top = max(counts.values())
                # A tie: the legacy engine's filler-aware reading in the names,
                # the best-scoring reading elsewhere.
                first = chars[0] if in_names else best.lines[index][column]
                voted.append(first if counts[first] == top else max(counts, key=counts.__getitem__))
        lines.append("".join(voted))
    merged = evaluate(layout, lines, best.repairs)
    return merged if merged.score >= best.score else best


def uncertain(reading: Reading) -> bool:
    """Whether a valid reading still deserves a second opinion.

    Its names have a filler look-alike where a name meets its padding, the
    check digits asked for look-alike swaps, or an alphanumeric field has a
    look-alike letter between two digits (``1B5``) or a ``G`` or a ``6``: they
    differ by 10 in the check-digit sum, so no check digit tells them apart,
    and tesseract's legacy engine reads OCR-B's ``G`` as ``6`` (see
    :func:`settle_g6`).
    """
    if names_suspicious(reading) or reading.repairs:
        return True
    for field in reading.layout.fields:
        if field.kind == "alnum":
            value = reading.lines[field.line][field.start : field.end]
            if re.search(r"[0-9][BDGIOQSZ][0-9]|[G6]", value):
                return True
    return False


def settle_g6(reading: Reading, lstm: Reading | None) -> Reading:
    """``reading`` with each G/6 of its alphanumeric fields as the LSTM engine read it.

    The legacy engine is the better judge of fillers, the LSTM engine of G
    against 6 (which check digits cannot decide).
    """
    if lstm is None or lstm.layout is not reading.layout:
        return reading
    lines = [list(line) for line in reading.lines]
    changed = False
    for field in reading.layout.fields:
        if field.kind != "alnum":
            continue
        row = lines[field.line]
        for i in range(field.start, field.end):
            theirs = lstm.lines[field.line][i]
            if {row[i], theirs} == {"G", "6"}:
                row[i], changed = theirs, True
    if not changed:
        return reading
    settled = evaluate(reading.layout, ["".join(row) for row in lines], reading.repairs)
    return settled if settled.score >= reading.score else reading


def names_suspicious(reading: Reading) -> bool:
    """Whether the name field has a filler look-alike where a name meets its padding."""
    field = reading.layout.field("names")
    names = reading.lines[field.line][field.start : field.end]
    return bool(re.search(r"[KXSECLZ]<|<[KXSECLZ]<", names))


def parse_fields(reading: Reading, today: date | None = None) -> dict[str, str]:
    """The holder's fields, names with spaces and dates in ISO form."""
    lines = reading.lines
    layout = reading.layout

    def raw(name: str) -> str:
        f = layout.field(name)
        return lines[f.line][f.start : f.end]

    surname, _, given = raw("names").rstrip("<").partition("<<")
    today = today or date.today()
    fields = {
        "document_type": raw("document_type").rstrip("<"),
        "issuing_country": raw("issuing_country").replace("<", ""),
        "surname": surname.replace("<", " ").strip(),
        "given_names": given.replace("<", " ").strip(),
        "document_number": raw("document_number").rstrip("<"),
        "nationality": raw("nationality").replace("<", ""),
        "birth_date": _iso(raw("birth_date"), today, past=True),
        "sex": raw("sex").replace("<", ""),
        "expiry_date": _iso(raw("expiry_date"), today, past=False),
        "optional_data": raw("optional_data").strip("<"),
    }
    if layout.name == "TD1":
        # A TD1 number longer than 9 characters continues in the optional data.
        extra = raw("optional_data_2").strip("<")
        fields["optional_data"] = "<".join(x for x in (fields["optional_data"], extra) if x)
    fields["format"] = layout.name
    return fields


def _iso(yymmdd: str, today: date, *, past: bool) -> str:
    """A YYMMDD date in ISO form; birth dates are in the past, expiry dates within 50 years."""
    try:
        yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
        year = 2000 + yy
        if (past and date(year, mm, dd) > today) or (not past and year > today.year + 50):
            year -= 100
        return date(year, mm, dd).isoformat()
    except ValueError:
        return yymmdd

"""From OCR text to checked MRZ lines: positions, look-alikes, check digits, names.

No image work here, so every rule is unit-tested on strings. The check digits
and the field parsing are the ``mrz`` package's; this module only decides, for
each position, which reading of an ambiguous glyph the format allows, and uses
the check digits to choose between look-alikes where the format allows both.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from mrz.base.functions import hash_string

from .layouts import Layout, guess_layouts

MRZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")

# A letter misread for a digit in a position that only holds digits (dates,
# check digits), and the reverse for letter-only positions (codes, names).
TO_DIGIT = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "T": "1",
    "Z": "2",
    "A": "4",
    "S": "5",
    "G": "6",
    "B": "8",
}
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
# Pairs OCR confuses in fields that hold both letters and digits: the check
# digit decides (document number, optional data).
AMBIGUOUS = {
    "0": "O",
    "O": "0",
    "D": "0",
    "Q": "0",
    "1": "I",
    "I": "1",
    "2": "Z",
    "Z": "2",
    "5": "S",
    "S": "5",
    "6": "G",
    "G": "6",
    "8": "B",
    "B": "8",
}
# How the filler ``<`` is misread by tesseract on OCR-B, worst first.
FILLER_LOOKALIKES = frozenset("KXSECLZ")
# A K among fillers in a number or optional data is a misread filler: K is
# worth 20 in the check-digit sum, like "<" (0) modulo 10, so no check digit
# would ever notice it.
FILLER_K = re.compile(r"(?<=<)K(?=<)|(?<=<)K$")
# At most this many look-alike swaps are tried to satisfy one check digit:
# more would let a wrong reading pass by chance (1 in 10 per try).
MAX_SWAPS = 2


def check_digit(value: str) -> str:
    """The ICAO 9303 check digit of ``value`` (the ``mrz`` package's)."""
    return hash_string(value)


def split_lines(text: str) -> list[str]:
    """OCR text to candidate MRZ lines: spaces dropped, short lines and noise removed."""
    out = []
    for raw in text.upper().splitlines():
        line = "".join(ch for ch in raw if not ch.isspace())
        line = line.replace("«", "<").replace("‹", "<")
        line = "".join(ch for ch in line if ch in MRZ_CHARS)
        if len(line) >= 20:
            out.append(line)
    return out


def clean_names(field: str) -> str:
    """The name field with filler misreads turned back into ``<``; same length.

    The structure says where the names end: the surname and the given names are
    separated by ``<<`` and the parts of a name by a single ``<``, so a third
    ``<`` in a row, or a second ``<<``, can only be padding, and whatever
    follows is padding too (``HENERT<<<<K<KK<KKK``). Trailing short tokens made
    only of filler look-alikes (``ANNA<K<KK``) are padding as well. Digits are
    read as the letters they resemble (names hold no digits).
    """
    s = "".join(TO_LETTER.get(ch, ch) for ch in field)
    end = len(s)
    triple = s.find("<<<")
    if triple != -1:
        end = min(end, triple)
    first = s.find("<<")
    if first != -1:
        second = s.find("<<", first + 2)
        if second != -1:
            end = min(end, second)
    head = s[:end].rstrip("<")
    surname, sep, given = head.partition("<<")
    part = given if sep else surname
    tokens = part.split("<")
    junk = 0
    while tokens and len(tokens[-1]) <= 2 and set(tokens[-1]) <= FILLER_LOOKALIKES:
        junk += 1
        tokens.pop()
    # One short trailing token may be an initial; two or more are filler.
    if junk >= 2 or (junk == 1 and not any(tokens)):
        part = "<".join(tokens).rstrip("<")
        head = (surname + "<<" + part) if sep and part else (surname if sep else part)
    return (head + "<" * len(s))[: len(s)]


@dataclass(frozen=True)
class Reading:
    """One OCR reading fitted to a format: the lines and how well they check."""

    layout: Layout
    lines: tuple[str, ...]
    checks_ok: int
    checks_total: int
    valid: bool
    repairs: int = 0  # look-alike swaps the check digits asked for

    @property
    def score(self) -> tuple[int, int, int, int]:
        """Higher is better: valid first, then passing check digits, then fewer
        repairs (a repaired reading is partly a guess), then the wider format (a
        visa A's lines cut short can pass as a visa B's)."""
        return (
            int(self.valid),
            self.checks_ok - self.checks_total,
            -self.repairs,
            self.layout.width,
        )


def _fit_length(line: str, width: int) -> str:
    """Pad or cut a line to the format's width (a name line's padding absorbs it)."""
    if len(line) > width and set(line[width:]) <= FILLER_LOOKALIKES | {"<"}:
        return line[:width]
    return (line + "<" * width)[:width]


def _unsplit(line: str, width: int, start: int) -> str:
    """A name line too long: drop look-alikes glued to a filler (``<K``, ``K<``) first.

    A ``<`` read as two glyphs (``FATIMA<KZAHRA``) is the usual cause; each
    filler loses at most one glued glyph, and whatever is still too long is cut
    at the end (the padding).
    """
    names = line[start:]
    lone = [m.start() + 1 for m in re.finditer(r"<[KXSECLZ](?=<)", names)]
    glued = [m.start() + 1 for m in re.finditer(r"<[KXSECLZ](?=[A-Z]{2})", names)]
    glued += [m.start() for m in re.finditer(r"(?<=[A-Z]{2})[KXSECLZ]<", names)]
    # A lone look-alike between fillers (``BERRADA<X<AICHA``) goes first, then
    # glued ones from the left, never leaving a name part shorter than two letters.
    spots = lone + sorted(set(glued) - set(lone))
    drop = set(spots[: max(0, len(line) - width)])
    names = "".join(ch for i, ch in enumerate(names) if i not in drop)
    return _fit_length(line[:start] + names, width)


def _normalise(layout: Layout, lines: list[str]) -> list[str]:
    """Every position turned into a character its field allows."""
    chars = [list(line) for line in lines]
    for field in layout.fields:
        row = chars[field.line]
        for i in range(field.start, field.end):
            ch = row[i]
            if field.kind in ("digits", "check"):
                row[i] = TO_DIGIT.get(ch, ch)
            elif field.kind == "alpha":
                row[i] = TO_LETTER.get(ch, ch)
            elif field.kind == "sex" and ch not in "MFX<":
                row[i] = {"H": "M", "N": "M", "P": "F", "E": "F", "K": "<"}.get(ch, ch)
        if field.kind == "names":
            row[field.start : field.end] = list(clean_names("".join(row[field.start : field.end])))
        elif field.kind == "alnum":
            value = "".join(row[field.start : field.end])
            row[field.start : field.end] = list(FILLER_K.sub("<", value))
    return ["".join(row) for row in chars]


def _repair_with_check(layout: Layout, lines: list[str]) -> tuple[list[str], int]:
    """Choose between look-alikes in check-protected alphanumeric fields.

    Every reading within MAX_SWAPS look-alike swaps of the OCR text whose check
    digit agrees is a candidate; the most plausible wins: the fewest switches
    between letters and digits past the prefix (:func:`_implausibility`), then
    the fewest swaps, then the most digits. Swaps can cancel out in the check
    digit (``LB9B902C3`` checks like ``L898902C3``; ``G`` and ``6`` always check
    alike), so the digit alone cannot choose.
    """
    out = list(lines)
    swaps = 0
    for field in layout.fields:
        if field.kind != "alnum" or field.check is None:
            continue
        check = layout.field(field.check)
        line = out[field.line]
        value = line[field.start : field.end]
        digit = out[check.line][check.start]
        if digit == "<":
            continue
        best = _swap_search(value, digit)
        if best is not None:
            out[field.line] = line[: field.start] + best + line[field.end :]
            swaps += sum(a != b for a, b in zip(value, best, strict=True))
    return out, swaps


def _digit_ok(value: str, digit: str) -> bool:
    try:
        return check_digit(value) == digit
    except ValueError:
        return False


def _implausibility(value: str) -> int:
    """How often letters and digits alternate after the number's letter prefix.

    Numbers are a few letters then digits (``AB1234567``, ``L898902C3``): every
    switch between letters and digits past the prefix makes a reading less
    likely (``LB9B902C3`` switches four times, ``L898902C3`` twice).
    """
    body = value.rstrip("<")
    prefix = len(body) - len(body.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    kinds = [ch.isdigit() for ch in body[min(prefix, 3) :] if ch != "<"]
    return sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if a != b)


def _swap_search(value: str, digit: str) -> str | None:
    """The most plausible reading of ``value`` that matches ``digit`` (see above)."""
    spots = [i for i, ch in enumerate(value) if ch in AMBIGUOUS]
    found: list[tuple[int, int, int, str]] = []
    for n in range(0, MAX_SWAPS + 1):
        for combo in itertools.combinations(spots, n):
            chars = list(value)
            for i in combo:
                chars[i] = AMBIGUOUS[chars[i]]
            candidate = "".join(chars)
            if _digit_ok(candidate, digit):
                digits = sum(ch.isdigit() for ch in candidate)
                found.append((_implausibility(candidate), n, -digits, candidate))
    return min(found)[3] if found else None


def _length_variants(layout: Layout, lines: list[str]) -> list[list[str]]:
    """Readings with every line at the format's width.

    A name line is padded or cut at its end (its padding absorbs a dropped or
    doubled ``<``); a data line one character off is tried with each single
    character dropped or each ``<`` added, and the check digits choose.
    """
    names_line = layout.name_line
    options: list[list[str]] = []
    for index, line in enumerate(lines):
        if index == names_line and len(line) > layout.width:
            options.append([_unsplit(line, layout.width, layout.field("names").start)])
        elif len(line) == layout.width or index == names_line:
            options.append([_fit_length(line, layout.width)])
        elif len(line) == layout.width + 1:
            # A doubled filler is likelier than a doubled letter or digit.
            spots = sorted(range(len(line)), key=lambda i: line[i] != "<")
            options.append([line[:i] + line[i + 1 :] for i in spots])
        elif len(line) == layout.width - 1:
            # A filler dropped from a run of fillers is likelier than one alone.
            spots = sorted(
                range(len(line) + 1), key=lambda i: "<" not in line[max(0, i - 1) : i + 1]
            )
            options.append([line[:i] + "<" + line[i:] for i in spots])
        else:
            options.append([_fit_length(line, layout.width)])
    return [list(combo) for combo in itertools.product(*options)]


def evaluate(layout: Layout, lines: list[str], repairs: int = 0) -> Reading:
    """Check ``lines`` (already at the format's width) with the ``mrz`` package."""
    text = "\n".join(lines)
    # The mrz package predates sex "X" (ICAO 9303, 8th edition): check as "<".
    sex = layout.field("sex")
    if lines[sex.line][sex.start] == "X":
        row = lines[sex.line]
        patched = list(lines)
        patched[sex.line] = row[: sex.start] + "<" + row[sex.start + 1 :]
        text = "\n".join(patched)
    try:
        checker = layout.checker(text)
    except Exception:  # the package raises its own error types on malformed input
        return Reading(layout, tuple(lines), 0, 1, False)
    checks = [ok for name, ok in checker.report.fields if "hash" in name]
    valid = bool(checker) and all(checks)
    return Reading(layout, tuple(lines), sum(checks), len(checks), valid, repairs)


def fit(text: str) -> Reading | None:
    """The best reading of OCR ``text`` in any MRZ format, or None when it has no MRZ shape."""
    lines = split_lines(text)
    best: Reading | None = None
    for start in range(len(lines)):
        for layout in LAYOUTS_BY_COUNT.get(min(len(lines) - start, 3), ()):
            block = lines[start : start + layout.lines]
            if layout not in guess_layouts(block):
                continue
            for variant in _length_variants(layout, block):
                fixed, swaps = _repair_with_check(layout, _normalise(layout, variant))
                reading = evaluate(layout, fixed, swaps)
                if best is None or reading.score > best.score:
                    best = reading
                if best.valid:
                    return best
    return best


def _by_count() -> dict[int, tuple[Layout, ...]]:
    from .layouts import LAYOUTS

    table: dict[int, tuple[Layout, ...]] = {}
    for layout in LAYOUTS:
        table[layout.lines] = table.get(layout.lines, ()) + (layout,)
    table[3] = table[3] + table[2]  # three OCR lines may be a two-line MRZ and noise
    return table


LAYOUTS_BY_COUNT = _by_count()

"""The answer of a read: a small frozen value, and the stable reason codes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Why a read is not valid. Stable codes: the web page and the job's callers
# turn them into messages; the engine itself speaks no user language.
NOT_AN_IMAGE = "not_an_image"  # the bytes are no picture at all
NO_MRZ = "no_mrz"  # nothing shaped like an MRZ in the picture
UNREADABLE = "unreadable"  # an MRZ-like zone, but its text could not be read
CHECK_DIGITS = "check_digits"  # MRZ text read, but its check digits disagree
BLUR = "blur"  # the zone is too soft to read: bring the passport closer, hold still
GLARE = "glare"  # a reflection burns out part of the page: tilt it away from the light

REASONS = (NOT_AN_IMAGE, NO_MRZ, UNREADABLE, CHECK_DIGITS, BLUR, GLARE)


@dataclass(frozen=True)
class MrzResult:
    """One read: ``valid`` with the printed ``lines`` and parsed ``fields``, or a ``reason``.

    An invalid read carries no lines and no fields: a guess is never returned.
    """

    valid: bool
    lines: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    reason: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``flask mrz read --json`` and of the job's result."""
        out = asdict(self)
        out["lines"] = list(self.lines)
        out["seconds"] = round(self.seconds, 3)
        return out

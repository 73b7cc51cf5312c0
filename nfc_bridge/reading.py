"""Which bytes of which LDS files are still missing, and how big a READ BINARY may be.

The terminal asks :class:`FileSet` for the next READ BINARY operations and hands
it every answer. Reads start as large as an extended-length APDU allows and
shrink when the chip says so: 6700 (wrong length) drops to short reads, 6Cxx
gives the exact length, a shorter answer than asked (a chip buffer limit)
becomes the new size, 6282 (end of file) is a normal short read.
"""

from __future__ import annotations

import base64

from .apdu import SW_END_OF_FILE, SW_OK, SW_WRONG_LENGTH
from .errors import MalformedResponse, StatusWordError
from .lds_files import TYPICAL_SIZE
from .ops import Op, SecureRead, SecureSelect
from .tlv import total_length

EXTENDED_READ = 0xFF00  # leaves room for secure messaging inside a 64 KiB response
SHORT_READ = 0xDF  # 223: the largest plain read whose protected answer fits in 256 bytes
MAX_STALLED_ROUNDS = 8
MAX_FILE_SIZE = 512 * 1024  # far above any real LDS file; stops a lying length header


class FileSet:
    """Chunks read so far for each wanted file; plans the reads still needed."""

    def __init__(self, read_size: int = EXTENDED_READ) -> None:
        self.wanted: list[str] = ["COM", "DG1", "SOD", "DG2"]
        self.listed = False  # DG14/DG15 decided (from EF.COM, or EF.SOD without EF.COM)
        self.absent: list[str] = []
        self.sizes: dict[str, int] = {}
        self.chunks: dict[str, dict[int, bytes]] = {}
        self.hints: dict[str, int] = {}  # exact first-read length a chip asked for (6Cxx)
        self.read_size = read_size
        self.extended_ok: bool | None = None  # has a read longer than 223 bytes worked?
        self.stalled = 0
        self.last_have = 0

    # -- planning ----------------------------------------------------------------------

    def want(self, *names: str) -> None:
        """Also read ``names`` (DG14/DG15 once known to exist)."""
        self.listed = True
        self.wanted += [n for n in names if n not in self.wanted]

    def mark_absent(self, name: str) -> None:
        """Remember that the chip has no such file."""
        if name not in self.absent:
            self.absent.append(name)

    def complete(self, name: str) -> bool:
        """Whether every byte of ``name`` has been read."""
        return name in self.sizes and not self._gaps(name)

    def plan(self, room: int) -> list[Op]:
        """SELECT + READ BINARY operations for up to ``room`` commands."""
        ops: list[Op] = []
        probing = False
        for name in self.wanted:
            if name in self.absent or self.complete(name):
                continue
            if room - len(ops) < 2:
                break
            ops.append(SecureSelect(name))
            gaps = self._gaps(name)
            if self.extended_ok is None and self.read_size > SHORT_READ and name not in self.sizes:
                # Until one extended read has worked, only the first unknown file tries
                # one; the others start short, so a refusal costs no extra round trip.
                if probing:
                    gaps = [(off, min(n, SHORT_READ)) for off, n in gaps]
                probing = True
            for off, n in gaps:
                if len(ops) >= room:
                    break
                ops.append(SecureRead(name, off, n))
        return ops

    def _gaps(self, name: str) -> list[tuple[int, int]]:
        """Missing (offset, length) pieces, each at most one read long."""
        size = self.sizes.get(name)
        pos, gaps = 0, []
        for start, data in sorted(self.chunks.get(name, {}).items()):
            if start > pos:
                gaps.append((pos, start))
            pos = max(pos, start + len(data))
        if size is None:
            first = self.hints.get(name, self.read_size) if pos == 0 else self.read_size
            return [(pos, min(first, self.read_size))]
        if pos < size:
            gaps.append((pos, size))
        pieces = []
        for start, end in gaps:
            for off in range(start, end, self.read_size):
                pieces.append((off, min(self.read_size, end - off)))
        return pieces

    # -- answers -------------------------------------------------------------------------

    def answer(self, name: str, offset: int, asked: int, data: bytes, sw: int) -> None:
        """Record one READ BINARY answer, adapting the read size on length errors."""
        if sw in (SW_OK, SW_END_OF_FILE):
            if not data:
                raise MalformedResponse(f"empty read of {name} at {offset}")
            if asked > SHORT_READ:
                self.extended_ok = True
            self.chunks.setdefault(name, {})[offset] = data
            if name not in self.sizes and offset == 0:
                size = total_length(data)
                if size is not None and size > MAX_FILE_SIZE:
                    raise MalformedResponse(f"{name} claims {size} bytes")
                if size is not None:
                    self.sizes[name] = size
            size = self.sizes.get(name)
            if sw == SW_OK and len(data) < asked and size is not None and offset + len(data) < size:
                self.read_size = len(data)  # the chip's buffer is smaller than we hoped
        elif sw == SW_WRONG_LENGTH:
            # Several reads of one batch fail alike: shrink from what *this* read asked.
            smaller = SHORT_READ if asked > SHORT_READ else asked // 2
            if asked > SHORT_READ:
                self.extended_ok = False
            self.read_size = min(self.read_size, smaller)
            if self.read_size < 8:
                raise StatusWordError(f"chip refuses every read length ({sw:04X})", sw)
        elif sw >> 8 == 0x6C:
            exact = (sw & 0xFF) or 256
            if name not in self.sizes and offset == 0:
                self.hints[name] = exact  # maybe just a small file
            else:
                self.read_size = min(self.read_size, exact)
        else:
            raise StatusWordError(f"cannot read {name} at {offset} ({sw:04X})", sw)

    def check_progress(self) -> None:
        """Stop a chip that keeps answering without giving us new bytes."""
        have = sum(len(d) for c in self.chunks.values() for d in c.values())
        self.stalled = self.stalled + 1 if have <= self.last_have else 0
        self.last_have = have
        if self.stalled > MAX_STALLED_ROUNDS:
            raise MalformedResponse("the chip stopped giving data")

    def contents(self) -> dict[str, bytes]:
        """Whole files read so far (complete files only)."""
        out = {}
        for name, size in self.sizes.items():
            if not self.complete(name):
                continue
            buf = bytearray(size)
            for start, data in self.chunks[name].items():
                buf[start : start + len(data)] = data[: max(0, size - start)]
            out[name] = bytes(buf[:size])
        return out

    def fraction(self) -> float:
        """Share of the expected bytes read so far (sizes guessed until known)."""
        total = have = 0
        for name in self.wanted:
            if name in self.absent:
                continue
            size = self.sizes.get(name, TYPICAL_SIZE.get(name, 500))
            got = sum(len(d) for d in self.chunks.get(name, {}).values())
            total += size
            have += min(got, size)
        return have / total if total else 0.0

    # -- persistence ----------------------------------------------------------------------

    def to_dict(self) -> dict:
        """JSON-friendly form (chunks in base64)."""
        return {
            "wanted": self.wanted,
            "listed": self.listed,
            "absent": self.absent,
            "sizes": self.sizes,
            "hints": self.hints,
            "read_size": self.read_size,
            "extended_ok": self.extended_ok,
            "stalled": self.stalled,
            "last_have": self.last_have,
            "chunks": {
                n: [[o, base64.b64encode(d).decode("ascii")] for o, d in c.items()]
                for n, c in self.chunks.items()
            },
        }

    @classmethod
    def from_dict(cls, d: dict) -> FileSet:
        """Inverse of :meth:`to_dict`."""
        f = cls(d["read_size"])
        f.wanted, f.listed, f.absent = list(d["wanted"]), d["listed"], list(d["absent"])
        f.sizes, f.hints = dict(d["sizes"]), dict(d["hints"])
        f.stalled, f.last_have = d["stalled"], d["last_have"]
        f.extended_ok = d["extended_ok"]
        f.chunks = {n: {int(o): base64.b64decode(b) for o, b in c} for n, c in d["chunks"].items()}
        return f


__all__ = ["FileSet", "EXTENDED_READ", "SHORT_READ"]

"""Benchmark of the MRZ reader over a labelled folder of document pictures.

Usage: python bench/mrz.py [FOLDER] [--repeat N]

FOLDER (default ../shared/testdata/mrz, next to the repository) holds pictures
and a labels.json: ``{"labels": {"file.jpg": ["line 1", "line 2"...] | null}}``
(null: the picture has no MRZ and must be refused). Prints one row per
picture, then: documents read exactly (every line, names included), no-MRZ
pictures refused, median and p95 seconds per read (wall clock, and CPU of this
process plus tesseract), and peak memory (Python heap, this process; tesseract runs apart, ~85 MB).
Each picture is read ``--repeat`` times after one warm-up read (imports).
Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This file is called mrz.py: the script's own folder must not hide the mrz package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mrz_reader import read, warm_up  # noqa: E402

DEFAULT_FOLDER = ROOT.parent / "shared" / "testdata" / "mrz"


def main() -> None:
    """Parse arguments, read every picture, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--repeat", type=int, default=3, help="timed reads per picture")
    args = parser.parse_args()
    labels_file = args.folder / "labels.json"
    if not labels_file.is_file():
        sys.exit(f"error: no labels.json in {args.folder} (give the labelled folder)")
    labels: dict[str, list[str] | None] = json.loads(labels_file.read_text())["labels"]

    started = time.perf_counter()
    warm_up()
    cold = time.perf_counter() - started
    tracemalloc.start()
    rows, walls, cpus = [], [], []
    exact = refused = documents = blanks = 0
    for name, expected in labels.items():
        data = (args.folder / name).read_bytes()
        wall, cpu, result = [], [], None
        for _ in range(max(1, args.repeat)):
            cpu0 = _cpu()
            result = read(data)
            wall.append(result.seconds)
            cpu.append(_cpu() - cpu0)
        assert result is not None
        walls += wall
        cpus += cpu
        if expected is None:
            blanks += 1
            ok = not result.valid
            refused += ok
        else:
            documents += 1
            ok = result.valid and list(result.lines) == expected
            exact += ok
        outcome = "exact" if ok and expected else "refused" if ok else "WRONG"
        detail = result.fields.get("format", "") if result.valid else result.reason
        rows.append(
            (
                name,
                "no MRZ" if expected is None else f"{len(expected)} lines",
                outcome,
                detail,
                f"{statistics.median(wall):.2f}",
                f"{statistics.median(cpu):.2f}",
            )
        )
        if not ok and expected is not None:
            for got, want in zip(result.lines or ("",) * len(expected), expected, strict=False):
                rows.append(("", "  want " + want, "", "", "", ""))
                rows.append(("", "  got  " + got, "", "", "", ""))
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"MRZ reader benchmark: {args.folder} ({len(labels)} pictures, {args.repeat} reads each)")
    print(f"warm-up (imports, first load): {cold:.1f} s\n")
    _table(("picture", "label", "outcome", "format/reason", "wall s", "cpu s"), rows)
    print()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _table(
        ("measure", "value"),
        [
            ("documents read exactly", f"{exact} / {documents}"),
            ("no-MRZ pictures refused", f"{refused} / {blanks}"),
            ("median s per read (wall)", f"{statistics.median(walls):.2f}"),
            ("p95 s per read (wall)", f"{_p95(walls):.2f}"),
            ("median s per read (cpu)", f"{statistics.median(cpus):.2f}"),
            ("p95 s per read (cpu)", f"{_p95(cpus):.2f}"),
            ("peak Python heap (MB)", f"{heap_peak / 1e6:.0f}"),
            ("peak RSS, this process (MB)", f"{own:.0f}"),
        ],
    )


def _cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _table(header: tuple[str, ...], rows: list[tuple]) -> None:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()

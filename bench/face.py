"""Benchmark of the face engine over a labelled folder of photos.

Usage: python bench/face.py [FOLDER] [--pairs] [--repeat N]

FOLDER (default ../shared/testdata/faces, next to the repository) holds photos
and a labels.json mapping file name -> person (null: not one person). Prints:
decisions over all pairs at the configured thresholds (false accepts, false
rejects, reviews, refusals), quality-gate refusals by reason, median time of a
single-frame decision and of a 15-frame liveness decision on 640x480 frames,
and peak memory. Never part of the test run.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from face_engine import (  # noqa: E402
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    check_burst,
    check_quality,
    new_challenge,
    verify_template,
    warm_up,
)
from face_engine.match import decide, encoding_of  # noqa: E402

DEFAULT_FOLDER = ROOT.parent / "shared" / "testdata" / "faces"


def main() -> None:
    """Parse arguments, run every measurement, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--pairs", action="store_true", help="print every pair's distance")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per measure")
    args = parser.parse_args()
    labels_file = args.folder / "labels.json"
    if not labels_file.is_file():
        sys.exit(f"error: no labels.json in {args.folder} (give the labelled folder)")
    labels = json.loads(labels_file.read_text())["labels"]

    warm_up()
    started = time.perf_counter()
    results = {name: check_quality((args.folder / name).read_bytes()) for name in labels}
    encodings = {name: encoding_of(r) for name, r in results.items() if r.ok}
    gate_seconds = time.perf_counter() - started
    pairs = _pairs(labels, results, encodings)

    print(f"Face engine benchmark: {args.folder} ({len(labels)} photos)")
    print(f"thresholds: match <= {MATCH_THRESHOLD}, review <= {REVIEW_THRESHOLD}, else no_match")
    print(f"gate + encoding of all photos: {gate_seconds:.1f} s\n")
    _print_pairs_table(pairs)
    _print_refusals(results)
    if args.pairs:
        _print_every_pair(pairs)
    _print_timings(args.folder, labels, results, encodings, args.repeat)


def _pairs(labels, results, encodings):
    out = []
    people = sorted(name for name, who in labels.items() if who is not None)
    for a, b in itertools.combinations(people, 2):
        genuine = labels[a] == labels[b]
        if a in encodings and b in encodings:
            distance = float(np.linalg.norm(encodings[a] - encodings[b]))
            decision = decide(distance)
        else:
            distance, decision = None, "refused"
        out.append((a, b, genuine, distance, decision))
    return out


def _print_pairs_table(pairs) -> None:
    rows = []
    for genuine, title in ((True, "same person"), (False, "different people")):
        counts = Counter(p[4] for p in pairs if p[2] == genuine)
        total = sum(counts.values())
        rows.append(
            (title, total, counts["match"], counts["review"], counts["no_match"], counts["refused"])
        )
    header = ("pairs", "total", "match", "review", "no_match", "refused")
    _table(header, rows)
    same, diff = rows
    compared_same = same[1] - same[5]
    compared_diff = diff[1] - diff[5]
    print(
        f"false accepts (different people -> match): {diff[2]} / {compared_diff}"
        f" = {_pct(diff[2], compared_diff)}"
    )
    print(
        f"false rejects (same person -> no_match): {same[4]} / {compared_same}"
        f" = {_pct(same[4], compared_same)}"
    )
    print(f"sent to review: {same[3]} same-person, {diff[3]} different-people pairs")
    genuine = [p[3] for p in pairs if p[2] and p[3] is not None]
    impostor = [p[3] for p in pairs if not p[2] and p[3] is not None]
    if genuine and impostor:
        print(
            f"distances: same person max {max(genuine):.3f} (median "
            f"{statistics.median(genuine):.3f}); different people min {min(impostor):.3f} "
            f"(median {statistics.median(impostor):.3f})\n"
        )


def _print_refusals(results) -> None:
    reasons = Counter(code for r in results.values() for code in r.codes)
    refused = [name for name, r in results.items() if not r.ok]
    print(f"quality gate: {len(results) - len(refused)} accepted, {len(refused)} refused")
    _table(("reason", "photos"), sorted(reasons.items()))
    for name in refused:
        print(f"  {name}: {', '.join(results[name].codes)}")
    print()


def _print_every_pair(pairs) -> None:
    rows = [
        (a, b, "same" if g else "diff", "-" if d is None else f"{d:.3f}", dec)
        for a, b, g, d, dec in sorted(pairs, key=lambda p: (p[3] is None, p[3]))
    ]
    _table(("photo a", "photo b", "who", "distance", "decision"), rows)
    print()


def _print_timings(folder, labels, results, encodings, repeat) -> None:
    name = next(n for n in sorted(encodings) if labels[n] is not None)
    template = encodings[name]
    face = results[name].face
    frame = _selfie_frame(results[name].image.rgb, face)
    frame_bytes = _jpeg(frame)
    decision = verify_template(template, frame_bytes)
    single = _median_ms(lambda: verify_template(template, frame_bytes), repeat)
    burst = _jittered_burst(frame)
    challenge = new_challenge()
    burst_ms = _median_ms(lambda: check_burst(burst, challenge, template), max(3, repeat // 3))

    tracemalloc.start()
    outcome = check_burst(burst, challenge, template)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("single 640x480 frame decision (gate + encode + compare)", *_ms(single), "250 ms"),
        ("15-frame 640x480 liveness burst decision", *_ms(burst_ms), "1500 ms"),
        ("peak Python allocations during one burst (tracemalloc)", f"{peak / 2**20:.1f} MB"),
        ("peak resident memory of the process (ru_maxrss)", f"{maxrss_mb:.0f} MB"),
    ]
    print(f"timings on {name} cropped around the face to a 640x480 selfie frame, medians:")
    rows = [row + ("",) * (4 - len(row)) for row in rows]
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    _table(("measure", "wall median", "CPU median", "aim"), rows)
    print(
        f"(the single frame was decided '{decision.decision}', distance "
        f"{decision.distance:.3f}; the still-photo burst '{outcome.decision}': "
        f"{', '.join(outcome.liveness.codes)})"
    )


def _selfie_frame(rgb: np.ndarray, face) -> Image.Image:
    # A selfie in the page's oval: the face spans about 40 % of the frame width.
    photo = Image.fromarray(rgb)
    width = min(photo.width, photo.height * 4 / 3, face.width * 2.5)
    height = width * 3 / 4
    cx, cy = (face.left + face.right) / 2, (face.top + face.bottom) / 2
    left = min(max(0.0, cx - width / 2), photo.width - width)
    top = min(max(0.0, cy - height / 2), photo.height - height)
    crop = photo.crop((round(left), round(top), round(left + width), round(top + height)))
    return crop.resize((640, 480), Image.Resampling.BILINEAR)


def _jittered_burst(frame: Image.Image, count: int = 15) -> list[bytes]:
    rng = np.random.default_rng(0)
    base = np.asarray(frame).astype(np.int16)
    frames = []
    for _ in range(count):
        noisy = base + rng.integers(-4, 5, size=base.shape)
        frames.append(_jpeg(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))))
    return frames


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _median_ms(run, repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``run`` (CPU time shows the
    engine's own cost when other processes share the machine)."""
    run()  # warm caches
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _ms(pair: tuple[float, float]) -> tuple[str, str]:
    return f"{pair[0]:.0f} ms", f"{pair[1]:.0f} ms"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def _table(header, rows) -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    line = "-+-".join("-" * w for w in widths)
    print(" | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)))
    print(line)
    for row in cells[1:]:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()

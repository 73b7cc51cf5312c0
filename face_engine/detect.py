"""dlib models: HOG face detection, 68 landmarks, 128-d encodings.

The models ship in the ``face_recognition_models`` package; they are located
on disk without importing it (its ``pkg_resources`` import is deprecated and
noisy) and loaded once per process, on first use. Nothing is downloaded.

Detection runs on a copy downscaled to :data:`~face_engine.images.DETECTION_SIDE`
(HOG time grows with the pixel count); landmarks and encodings use the working
image, whose resolution dlib's 150 px aligned chip can use.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import dlib
import numpy as np

from face_engine.images import DETECTION_SIDE, downscale_array

#: HOG score (SVM margin) a second detection needs to count as a face: real
#: faces score 0.7-2.6 on the benchmark set; embroidered patches, flags and
#: the like 0.1-0.45.
MIN_SCORE = 0.5


#: Threshold adjustment when looking for the face again near its last place.
TRACKING_ADJUST = -0.5
#: Side of dlib's detector box over the eyes-to-mouth distance (measured on
#: frontal faces; the box is centred midway between eyes and mouth).
BOX_PER_EYE_MOUTH = 2.1


class ModelsMissing(RuntimeError):
    """The dlib model files are not installed (an infrastructure failure)."""


@dataclass(frozen=True, eq=False)
class Face:
    """One detected face in working-image pixels: box and 68 landmarks."""

    left: int
    top: int
    right: int
    bottom: int
    landmarks: np.ndarray  # (68, 2) float, x then y
    shape: dlib.full_object_detection

    @property
    def width(self) -> int:
        """Box width in working-image pixels."""
        return self.right - self.left

    @property
    def height(self) -> int:
        """Box height in working-image pixels."""
        return self.bottom - self.top

    @property
    def area(self) -> int:
        """Box area, used to keep the largest face."""
        return self.width * self.height


def _model_path(name: str) -> str:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelsMissing("face_recognition_models is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise ModelsMissing(f"missing model file {path}")
    return str(path)


_ENCODER_LOCK = threading.Lock()


@functools.cache
def _detector() -> dlib.fhog_object_detector:
    return dlib.get_frontal_face_detector()


@functools.cache
def _predictor() -> dlib.shape_predictor:
    return dlib.shape_predictor(_model_path("shape_predictor_68_face_landmarks.dat"))


@functools.cache
def _encoder() -> dlib.face_recognition_model_v1:
    return dlib.face_recognition_model_v1(_model_path("dlib_face_recognition_resnet_model_v1.dat"))


def warm_up() -> None:
    """Load every model now (a worker calls this at start, not per job)."""
    _detector()
    _predictor()
    _encoder()


def detect_faces(
    rgb: np.ndarray, *, detection_side: int = DETECTION_SIDE, upsample: int | None = None
) -> list[Face]:
    """Find faces in ``rgb``, largest first.

    By default HOG runs without upsampling (a selfie face is large), then once
    with one upsampling step if nothing was found, so that a far-away face is
    reported as *too small* rather than as *no face*.
    """
    small, factor = downscale_array(rgb, detection_side)
    steps = (0, 1) if upsample is None else (upsample,)
    rects: list[dlib.rectangle] = []
    for step in steps:
        found, scores, _ = _detector().run(small, step, 0.0)
        if len(found):
            best = max(scores)
            # HOG fires weakly on face-like textures (a badge, a flag). Keep
            # the strongest detection, and others only when clearly faces.
            rects = [r for r, s in zip(found, scores, strict=True) if s == best or s >= MIN_SCORE]
            break
    faces = [_face_from_rect(rgb, rect, factor) for rect in rects]
    return sorted(faces, key=lambda face: face.area, reverse=True)


def find_near(rgb: np.ndarray, previous: Face) -> Face | None:
    """Look again for a face close to where ``previous`` was, less strictly.

    In a burst, a head turned for the challenge can drop below HOG's usual
    threshold; searching only around the last position with a lower one keeps
    it without letting background texture elsewhere count as a face.
    """
    height, width = rgb.shape[:2]
    margin = previous.width
    left, top = max(0, previous.left - margin), max(0, previous.top - margin)
    right = min(width, previous.right + margin + 1)
    bottom = min(height, previous.bottom + margin + 1)
    crop = np.ascontiguousarray(rgb[top:bottom, left:right])
    small, factor = downscale_array(crop, DETECTION_SIDE // 2)
    upsample = 1 if previous.width * factor < 100 else 0
    found, scores, _ = _detector().run(small, upsample, TRACKING_ADJUST)
    centre = np.array([(previous.left + previous.right) / 2, (previous.top + previous.bottom) / 2])
    best: tuple[float, dlib.rectangle] | None = None
    for rect, score in zip(found, scores, strict=True):
        rect = dlib.rectangle(
            round(rect.left() / factor) + left,
            round(rect.top() / factor) + top,
            round(rect.right() / factor) + left,
            round(rect.bottom() / factor) + top,
        )
        moved = np.linalg.norm(np.array([rect.center().x, rect.center().y]) - centre)
        if moved <= 0.5 * previous.width and (best is None or score > best[0]):
            best = (score, rect)
    return None if best is None else _face_from_rect(rgb, best[1], 1.0)


def _face_from_rect(rgb: np.ndarray, rect: dlib.rectangle, factor: float) -> Face:
    height, width = rgb.shape[:2]
    left = max(0, round(rect.left() / factor))
    top = max(0, round(rect.top() / factor))
    right = min(width - 1, round(rect.right() / factor))
    bottom = min(height - 1, round(rect.bottom() / factor))
    shape = _predictor()(rgb, dlib.rectangle(left, top, right, bottom))
    # The predictor starts from the box it is given, and HOG boxes jump by
    # several pixels between near-identical frames; that jitter would read as
    # head turns and blinks. A second pass from a box derived from the first
    # landmarks starts every frame from the same place relative to the face.
    shape = _predictor()(rgb, _box_from_shape(shape))
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
    return Face(left, top, right, bottom, points, shape)


def _box_from_shape(shape: dlib.full_object_detection) -> dlib.rectangle:
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
    eyes = points[36:48].mean(axis=0)
    mouth = points[48:68].mean(axis=0)
    centre = (eyes + mouth) / 2
    half = BOX_PER_EYE_MOUTH * float(np.linalg.norm(mouth - eyes)) / 2
    return dlib.rectangle(
        round(centre[0] - half),
        round(centre[1] - half),
        round(centre[0] + half),
        round(centre[1] + half),
    )


def encode_face(rgb: np.ndarray, face: Face, *, num_jitters: int = 1) -> np.ndarray:
    """The 128-d descriptor of ``face`` (Euclidean distance < ~0.6: same person)."""
    # The network keeps per-call buffers: one encoding at a time per process
    # (an inline job in a threaded web server could otherwise share it).
    with _ENCODER_LOCK:
        descriptor = _encoder().compute_face_descriptor(rgb, face.shape, num_jitters)
    return np.asarray(descriptor, dtype=np.float64)

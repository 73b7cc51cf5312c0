"""Faces in a picture: detection, 68 landmarks, 128-d encodings.

Through ``face_recognition``'s public API wherever it gives what the engine
needs, and dlib directly only where it does not:

- landmarks: :func:`face_recognition.face_landmarks` (the "large" 68-point
  model), read back into iBUG order for the geometry in
  :mod:`face_engine.landmarks`;
- encodings: :func:`face_recognition.face_encodings` on the face's location;
- distances: :func:`face_recognition.face_distance` (in :mod:`face_engine.match`);
- detection: dlib's HOG detector called directly, because
  ``face_recognition.face_locations`` returns boxes without their scores and
  with a fixed threshold, and the engine needs both: a second face counts
  only above :data:`MIN_SCORE` (a badge or a flag scores lower), and a turned
  head is looked for again near its last place with a lowered threshold.

The models ship in the ``face_recognition_models`` package; ``face_recognition``
loads them all when imported (nothing is downloaded), so it is imported on
first use (:func:`warm_up` in a worker), after checking the files are there
(it would call ``quit()`` otherwise). It also sets Pillow's
``LOAD_TRUNCATED_IMAGES`` for the whole process on import; the engine puts it
back, so a cut-off upload is still refused as truncated.

Detection runs on a copy downscaled to :data:`~face_engine.images.DETECTION_SIDE`
(HOG time grows with the pixel count); landmarks and encodings use the working
image, whose resolution dlib's 150 px aligned chip can use.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import dlib
import numpy as np
from PIL import ImageFile

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
    """One detected face in working-image pixels: box and 68 landmarks.

    ``location`` is the box the landmarks were predicted from, in
    ``face_recognition``'s (top, right, bottom, left) order: the encoding is
    computed from it, on the same landmarks.
    """

    left: int
    top: int
    right: int
    bottom: int
    landmarks: np.ndarray  # (68, 2) float, x then y
    location: tuple[int, int, int, int]

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


#: Every file ``face_recognition`` loads when imported.
MODEL_FILES = (
    "shape_predictor_68_face_landmarks.dat",
    "shape_predictor_5_face_landmarks.dat",
    "mmod_human_face_detector.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
)


def _model_path(name: str) -> str:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelsMissing("face_recognition_models is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise ModelsMissing(f"missing model file {path}")
    return str(path)


_ENCODER_LOCK = threading.Lock()
_IMPORT_LOCK = threading.Lock()


@functools.cache
def _detector() -> dlib.fhog_object_detector:
    return dlib.get_frontal_face_detector()


def face_recognition() -> ModuleType:
    """The ``face_recognition`` package, imported (models loaded) once."""
    return _face_recognition()


@functools.cache
def _face_recognition() -> ModuleType:
    for name in MODEL_FILES:
        _model_path(name)  # a missing model: ModelsMissing, not face_recognition's quit()
    with _IMPORT_LOCK, warnings.catch_warnings():
        # face_recognition_models imports the deprecated pkg_resources.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        truncated = ImageFile.LOAD_TRUNCATED_IMAGES
        try:
            import face_recognition as api
        finally:
            # It turns on truncated-image loading for the whole process.
            ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return api


def warm_up() -> None:
    """Load every model now (a worker calls this at start, not per job)."""
    _detector()
    face_recognition()


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
    first = _landmarks(rgb, (top, right, bottom, left))
    # The predictor starts from the box it is given, and HOG boxes jump by
    # several pixels between near-identical frames; that jitter would read as
    # head turns and blinks. A second pass from a box derived from the first
    # landmarks starts every frame from the same place relative to the face.
    location = _box_from_points(first)
    return Face(left, top, right, bottom, _landmarks(rgb, location), location)


def _landmarks(rgb: np.ndarray, location: tuple[int, int, int, int]) -> np.ndarray:
    """The 68 points predicted from ``location``, in iBUG order."""
    features = face_recognition().face_landmarks(rgb, [location], model="large")[0]
    return ibug_points(features)


def ibug_points(features: dict[str, list[tuple[int, int]]]) -> np.ndarray:
    """``face_recognition.face_landmarks``' named features back as the (68, 2) array.

    The feature lists are the 68 points in order, except the lips: ``top_lip``
    is points 48-54 then 64, 63, 62, 61, 60; ``bottom_lip`` is 54-59, 48, then
    60, 67, 66, 65, 64.
    """
    top, bottom = features["top_lip"], features["bottom_lip"]
    points = (
        features["chin"]
        + features["left_eyebrow"]
        + features["right_eyebrow"]
        + features["nose_bridge"]
        + features["nose_tip"]
        + features["left_eye"]
        + features["right_eye"]
        + top[0:7]  # 48-54
        + bottom[1:6]  # 55-59
        + top[11:6:-1]  # 60-64
        + bottom[10:7:-1]  # 65-67
    )
    return np.array(points, dtype=np.float64)


def _box_from_points(points: np.ndarray) -> tuple[int, int, int, int]:
    eyes = points[36:48].mean(axis=0)
    mouth = points[48:68].mean(axis=0)
    centre = (eyes + mouth) / 2
    half = BOX_PER_EYE_MOUTH * float(np.linalg.norm(mouth - eyes)) / 2
    return (
        round(centre[1] - half),
        round(centre[0] + half),
        round(centre[1] + half),
        round(centre[0] - half),
    )


def encode_face(rgb: np.ndarray, face: Face, *, num_jitters: int = 1) -> np.ndarray:
    """The 128-d descriptor of ``face`` (Euclidean distance < ~0.6: same person)."""
    # The network keeps per-call buffers: one encoding at a time per process
    # (an inline job in a threaded web server could otherwise share it).
    with _ENCODER_LOCK:
        (descriptor,) = face_recognition().face_encodings(
            rgb, [face.location], num_jitters=num_jitters, model="large"
        )
    return np.asarray(descriptor, dtype=np.float64)

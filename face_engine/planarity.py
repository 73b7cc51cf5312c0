"""Is the face in a burst flat? Homographies between each frame's landmarks.

A printed photo or a phone screen is a plane: whatever way it is turned,
tilted, rotated or brought closer, a pinhole camera sees its points move by a
homography (a 3x3 projective map), so the landmarks of every frame are those
of a reference frame mapped by one homography, within landmark noise. A real
head turning does not: the nose tip stands out in front of the eyes and the
cheeks, and the jaw line is a silhouette, so no homography explains the move
(parallax).

For each frame, :func:`frame_planarity` fits a homography from the frame's
landmarks to the reference frame's with OpenCV's RANSAC (a few glitched
landmarks cannot make a flat card look three-dimensional) and reports the
residual: the :data:`RESIDUAL_PERCENTILE` th percentile of the per-point
distances left after the fit, in units of the reference's inter-ocular
distance. It also maps the frame's eyes back onto the reference: a flat photo
tilted toward the lens squashes its eyes like a blink, but once rectified by
the homography fitted on the rest of the face, its eyes are as open as ever,
while a real blink still closes them.

Eyelids and the inner lips are left out of the fit (they move by themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from face_engine.landmarks import LEFT_EYE, RIGHT_EYE, mean_ear

#: Landmarks that move with the head (and the card) but not by themselves:
#: jaw 0-16, brows 17-26, nose 27-35, eye corners 36, 39, 42, 45, outer lips 48-59.
RIGID = np.array(
    [*range(0, 36), 36, 39, 42, 45, *range(48, 60)],
    dtype=np.intp,
)
#: RANSAC inlier distance, in inter-ocular distances: well above the landmark
#: noise on a card (median ~1 %), well below a real turn's parallax.
RANSAC_THRESHOLD = 0.04
#: RANSAC draws at most this many 4-point samples. A card whose landmarks are
#: 60 % right needs ~35 draws to find them with a 1e-6 chance of missing; a
#: real head has no large consensus, so every draw is spent on it (~0.05 ms).
RANSAC_ITERATIONS = 100
#: The residual is this percentile of the per-point distances after the fit:
#: up to a quarter of the points may glitch on a card without making it look
#: three-dimensional, while a turning head moves the whole nose and jaw line
#: (21 of the 52 fitted points) away from any homography.
RESIDUAL_PERCENTILE = 75


@dataclass(frozen=True)
class FramePlanarity:
    """One frame against the reference: residual after the homography, rectified EAR."""

    residual: float
    rectified_ear: float


def inter_ocular(points: np.ndarray) -> float:
    """Distance between the eye centres, in pixels (the unit of residuals)."""
    return float(np.linalg.norm(points[LEFT_EYE].mean(axis=0) - points[RIGHT_EYE].mean(axis=0)))


def frame_planarity(points: np.ndarray, reference: np.ndarray) -> FramePlanarity | None:
    """Fit ``points`` -> ``reference`` by a homography; None when it cannot be fitted."""
    unit = inter_ocular(reference)
    if unit <= 1e-6:
        return None
    source = points[RIGID].astype(np.float32)
    target = reference[RIGID].astype(np.float32)
    # OpenCV's RANSAC then a Levenberg-Marquardt refinement on the inliers.
    homography, _ = cv2.findHomography(
        source, target, cv2.RANSAC, RANSAC_THRESHOLD * unit, maxIters=RANSAC_ITERATIONS
    )
    if homography is None:
        return None
    mapped = _apply(homography, points)
    distances = np.linalg.norm(mapped[RIGID] - reference[RIGID], axis=1) / unit
    residual = float(np.percentile(distances, RESIDUAL_PERCENTILE))
    return FramePlanarity(residual, mean_ear(mapped))


def _apply(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    mapped = cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float64), homography)
    return mapped.reshape(-1, 2)


@dataclass(frozen=True)
class Planarity:
    """Per-frame residuals and rectified EARs of a burst, against its reference frame.

    ``residual`` is smoothed by a running median of three frames (a turn lasts
    several frames; one glitched frame must not make a card look alive); a
    frame whose homography could not be fitted counts as planar (residual 0)
    with its own EAR.
    """

    reference: int
    residual: np.ndarray
    rectified_ear: np.ndarray

    def to_dict(self, order: np.ndarray) -> dict[str, object]:
        """The measures kept with the attempt (frame numbers are the burst's)."""
        return {
            "reference_frame": int(order[self.reference]),
            "residual": [round(float(r), 4) for r in self.residual],
            "max_residual": round(float(self.residual.max()), 4),
        }


def planarity_of(
    points: list[np.ndarray], yaw: np.ndarray, ear: np.ndarray, open_ear: float
) -> Planarity:
    """Fit every frame onto the burst's resting pose: the median yaw, eyes not shut.

    Not the smallest yaw: a face at rest may read a few degrees off zero, and
    a frame halfway into a turn would then hide half of the turn's parallax.
    Only frames with the eyes nearly shut (below 60 % of the open EAR: a
    blink) are passed over; narrower eyes in the rest pose than in the turns
    are common (the eyelids look rounder from the side).
    """
    penalty = np.abs(yaw - np.median(yaw)) + np.where(ear < 0.6 * open_ear, 90.0, 0.0)
    reference = int(np.argmin(penalty))
    residual = np.zeros(len(points))
    rectified = np.array([mean_ear(p) for p in points])
    for i, frame in enumerate(points):
        if i == reference:
            continue
        fitted = frame_planarity(frame, points[reference])
        if fitted is not None:
            residual[i], rectified[i] = fitted.residual, fitted.rectified_ear
    return Planarity(reference, _median3(residual), rectified)


def _median3(values: np.ndarray) -> np.ndarray:
    if len(values) < 3:
        return values
    padded = np.concatenate([values[:1], values, values[-1:]])
    return np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)

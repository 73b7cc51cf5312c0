"""Geometry on dlib's 68 facial landmarks (pure numpy, no images).

Indices follow the iBUG 300-W scheme used by dlib: jaw 0-16, nose tip 30,
eyes 36-41 and 42-47, mouth 48-67. Point 36 is the outer corner of the
*person's* right eye, which appears on the left of an unmirrored picture.

Yaw convention (used by the quality gate and the liveness turns): pictures are
the camera's own, unmirrored frames; a positive yaw means the head is turned
toward the person's own LEFT, which moves the nose toward the right of the
frame. A mirrored on-screen preview then shows the face turning the way the
pensioner turned it, like a bathroom mirror.
"""

from __future__ import annotations

import math

import numpy as np

RIGHT_EYE = slice(36, 42)  # person's right eye, image left
LEFT_EYE = slice(42, 48)
NOSE_TIP = 30
JAW_RIGHT = 0  # person's right side of the jaw, image left
JAW_LEFT = 16
MOUTH = slice(48, 68)


def as_points(landmarks: object) -> np.ndarray:
    """Validate and convert landmarks to a (68, 2) float array."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (68, 2):
        raise ValueError(f"expected 68 (x, y) landmarks, got shape {points.shape}")
    return points


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """Soukupová and Čech's EAR: eyelid gap over eye width (~0.3 open, <0.15 shut)."""
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = np.linalg.norm(eye[0] - eye[3])
    if horizontal == 0:
        return 0.0
    return float(vertical / (2.0 * horizontal))


def mean_ear(points: np.ndarray) -> float:
    """Average EAR of both eyes."""
    return (eye_aspect_ratio(points[RIGHT_EYE]) + eye_aspect_ratio(points[LEFT_EYE])) / 2.0


def upright(points: np.ndarray) -> np.ndarray:
    """Rotate landmarks about the eye centre so the eye line is horizontal.

    A tilted head (roll) must not read as a turn (yaw) or a blink.
    """
    right_eye = points[RIGHT_EYE].mean(axis=0)
    left_eye = points[LEFT_EYE].mean(axis=0)
    dx, dy = left_eye - right_eye
    angle = math.atan2(dy, dx)
    cos, sin = math.cos(-angle), math.sin(-angle)
    centre = (right_eye + left_eye) / 2.0
    rotation = np.array([[cos, -sin], [sin, cos]])
    return (points - centre) @ rotation.T


def yaw_degrees(points: np.ndarray) -> float:
    """Estimate head yaw from where the nose sits between the jaw edges.

    Cylinder model: the jaw points 0 and 16 approximate the head's silhouette
    at +/-R and the nose tip sits at R*sin(yaw) from the axis, so
    sin(yaw) = 2 * (nose - jaw_right) / (jaw_left - jaw_right) - 1. An affine
    change keeps this ratio, but a flat photo turned close to a phone's lens
    is seen in perspective and moves it by up to ~13 degrees: liveness also
    asks for parallax (:mod:`face_engine.planarity`). Positive: toward the
    person's left.
    """
    level = upright(points)
    jaw_r, jaw_l, nose = level[JAW_RIGHT, 0], level[JAW_LEFT, 0], level[NOSE_TIP, 0]
    span = jaw_l - jaw_r
    if span <= 0:
        return 0.0
    ratio = 2.0 * (nose - jaw_r) / span - 1.0
    return math.degrees(math.asin(max(-1.0, min(1.0, ratio))))


def face_aspect(points: np.ndarray) -> float:
    """Eye-line-to-mouth height over eye distance, after removing roll.

    Stable for a living face; it changes when a flat photo is tilted toward
    the camera, which would otherwise shrink the EAR like a blink.
    """
    level = upright(points)
    eyes_y = (level[RIGHT_EYE, 1].mean() + level[LEFT_EYE, 1].mean()) / 2.0
    eyes_dx = level[LEFT_EYE, 0].mean() - level[RIGHT_EYE, 0].mean()
    if eyes_dx <= 0:
        return 0.0
    return float((level[MOUTH, 1].mean() - eyes_y) / eyes_dx)

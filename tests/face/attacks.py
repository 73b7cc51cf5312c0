"""Presentation attacks: a face photo held as a flat card in front of a phone camera.

A printed photo or a phone screen is a plane. Seen by a pinhole camera (640x480
pixels, focal length ``focal_px``; a phone's front camera is a 24-28 mm
equivalent lens, 430-520 px for 640 px wide), a point (X, Y) of the card,
turned by yaw (about the vertical axis), pitch (about the horizontal axis) and
roll (in plane) and held at ``distance`` metres, lands at K (R (X, Y, 0) + t):
a homography of the card, rendered here with true perspective (the near edge
larger than the far one), not the affine squash of a card far away.

The attacker replays the challenge: for each asked action, turns or tilts the
card the way that might fake it, with a shaking hand, changing light and the
camera's JPEG compression. :func:`attack_burst` builds such a burst from a
portrait; :data:`KINDS` names every motion tried. Everything is seeded, so a
failing burst can be rebuilt and looked at.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

FRAME = (640, 480)
#: Focal lengths (pixels for a 640 px wide frame) of phone front cameras.
FOCALS = (430.0, 470.0, 520.0)
#: A printed card's face is ~6 cm wide; held at 15 cm it fills the page's oval.
FACE_WIDTH_M = 0.06
NOMINAL_DISTANCE_M = 0.16


@dataclass(frozen=True)
class Pose:
    """Where the card is: angles in degrees, distance and offsets in metres."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    distance: float = NOMINAL_DISTANCE_M
    dx: float = 0.0
    dy: float = 0.0


@dataclass(frozen=True)
class Card:
    """A portrait (RGB array) and the fraction of its width the face takes."""

    name: str
    rgb: np.ndarray
    face_fraction: float
    screen: bool = False

    @property
    def width_m(self) -> float:
        return FACE_WIDTH_M / self.face_fraction


def card_homography(card: Card, pose: Pose, focal_px: float) -> np.ndarray:
    """3x3 map from card pixels to frame pixels for ``pose`` (true perspective)."""
    height, width = card.rgb.shape[:2]
    metres = card.width_m / width
    # card pixels -> metres on the card plane, centred
    to_plane = np.array(
        [[metres, 0, -width * metres / 2], [0, metres, -height * metres / 2], [0, 0, 1]]
    )
    rotation = _rotation(pose.yaw, pose.pitch, pose.roll)
    translation = np.array([pose.dx, pose.dy, pose.distance])
    extrinsic = np.column_stack([rotation[:, 0], rotation[:, 1], translation])
    intrinsic = np.array(
        [[focal_px, 0, FRAME[0] / 2], [0, focal_px, FRAME[1] / 2], [0, 0, 1]], dtype=float
    )
    homography = intrinsic @ extrinsic @ to_plane
    return homography / homography[2, 2]


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    y, p, r = (math.radians(a) for a in (yaw, pitch, roll))
    about_y = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    about_x = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    about_z = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return about_z @ about_x @ about_y


def background(seed: int = 0) -> np.ndarray:
    """A dim room behind the card: a wall gradient, a door edge, sensor grain."""
    rng = np.random.default_rng(seed)
    height, width = FRAME[1], FRAME[0]
    wall = np.linspace(150, 95, height)[:, None, None] * np.array([1.0, 0.97, 0.9])
    frame = np.broadcast_to(wall, (height, width, 3)).copy()
    frame[:, int(width * 0.8) :, :] *= 0.7
    frame += rng.normal(0, 3, frame.shape)
    return np.clip(frame, 0, 255).astype(np.uint8)


def render(
    card: Card,
    pose: Pose,
    *,
    focal_px: float,
    scene: np.ndarray,
    light: float = 1.0,
    quality: int = 85,
    rng: np.random.Generator | None = None,
) -> bytes:
    """One camera frame (JPEG bytes) of ``card`` held at ``pose`` in front of ``scene``."""
    homography = card_homography(card, pose, focal_px)
    picture = card.rgb
    if card.screen:
        picture = _as_screen(picture)
    warped = cv2.warpPerspective(
        picture, homography, FRAME, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
    mask = cv2.warpPerspective(
        np.full(picture.shape[:2], 255, np.uint8), homography, FRAME, flags=cv2.INTER_LINEAR
    )
    alpha = (mask.astype(np.float64) / 255.0)[:, :, None]
    frame = scene.astype(np.float64) * (1 - alpha) + warped.astype(np.float64) * alpha
    frame *= light
    if rng is not None:
        frame += rng.normal(0, 2.5, frame.shape)  # sensor noise
    image = Image.fromarray(np.clip(frame, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _as_screen(rgb: np.ndarray) -> np.ndarray:
    """A phone showing the photo: black bezel, brighter bluish emission, pixel grid."""
    height, width = rgb.shape[:2]
    border = max(4, width // 14)
    out = np.zeros((height + 2 * border, width + 2 * border, 3), np.float64)
    shown = rgb.astype(np.float64) * np.array([0.95, 1.0, 1.08]) * 1.1 + 10
    rows = np.arange(height)[:, None, None]
    shown *= 1 - 0.06 * (rows % 3 == 0)  # the sub-pixel rows a camera aliases into moire
    out[border:-border, border:-border] = shown
    return np.clip(out, 0, 255).astype(np.uint8)


# --- how an attacker replays each action ------------------------------------------------

#: Largest angle an attacker turns a card before the face is lost to the detector.
TURN = 40.0
TILT = 30.0


def action_poses(action: str, kind: str, sign: int, frames: int) -> list[Pose]:
    """Poses over ``frames`` frames for one asked action, by attack ``kind``.

    ``sign`` picks the direction (which one fakes which turn is the attacker's
    guess, so both are tried).
    """
    curve = np.sin(np.linspace(0, math.pi, frames + 2)[1:-1])  # out and back
    if kind == "turned":  # about the vertical axis; a blink is faked by tilting
        angle = TURN if action != "blink" else 0.0
        tilt = TILT if action == "blink" else 0.0
        return [Pose(yaw=sign * angle * c, pitch=sign * tilt * c) for c in curve]
    if kind == "tilted":  # about the horizontal axis only
        return [Pose(pitch=sign * TILT * c) for c in curve]
    if kind == "rotated":  # in plane, plus a little turn
        return [Pose(roll=sign * 25.0 * c, yaw=sign * 10.0 * c) for c in curve]
    if kind == "closer":  # brought to the lens and back, turned a little
        near = NOMINAL_DISTANCE_M
        return [Pose(distance=near * (1 - 0.35 * c), yaw=sign * 15 * c) for c in curve]
    if kind == "swing":  # turned one way then the other within one action
        swing = np.sin(np.linspace(0, 2 * math.pi, frames + 2)[1:-1])
        return [Pose(yaw=sign * TURN * s, pitch=5.0 * s) for s in swing]
    raise ValueError(kind)


KINDS = ("turned", "tilted", "rotated", "closer", "swing")


def attack_poses(actions: tuple[str, str], kind: str, sign: int, frames: int = 15) -> list[Pose]:
    """The whole burst: facing, first action, facing, second action, facing."""
    per_action = max(3, round(frames * 5 / 15))
    rest = frames - 2 * per_action
    lead, middle = rest // 3, rest // 3
    tail = rest - lead - middle
    return (
        [Pose()] * lead
        + action_poses(actions[0], kind, sign, per_action)
        + [Pose()] * middle
        + action_poses(actions[1], kind, -sign if kind == "turned" else sign, per_action)
        + [Pose()] * tail
    )


def shaken(poses: list[Pose], rng: np.random.Generator) -> list[Pose]:
    """A hand holding the card: a few mm, a few degrees, a few % of distance."""
    return [
        replace(
            p,
            yaw=p.yaw + rng.normal(0, 2.0),
            pitch=p.pitch + rng.normal(0, 2.0),
            roll=p.roll + rng.normal(0, 2.0),
            distance=p.distance * (1 + rng.normal(0, 0.03)),
            dx=p.dx + rng.normal(0, 0.004),
            dy=p.dy + rng.normal(0, 0.004),
        )
        for p in poses
    ]


@dataclass(frozen=True)
class Attack:
    """One generated attack burst and how it was made."""

    card: str
    kind: str
    actions: tuple[str, str]
    sign: int
    seed: int
    frames: list[bytes]

    @property
    def label(self) -> str:
        sign = "+" if self.sign > 0 else "-"
        return f"{self.card}/{self.kind}{sign}/{','.join(self.actions)}/seed{self.seed}"


def attack_burst(
    card: Card,
    actions: tuple[str, str],
    kind: str,
    sign: int = 1,
    *,
    seed: int = 0,
    frames: int = 15,
) -> Attack:
    """A burst replaying ``actions`` with ``card``, shaken, under changing light and JPEG."""
    rng = np.random.default_rng(seed)
    focal = float(FOCALS[seed % len(FOCALS)])
    scene = background(seed)
    poses = shaken(attack_poses(actions, kind, sign, frames), rng)
    light = 1.0 + 0.15 * np.sin(np.linspace(0, rng.uniform(2, 6), frames) + rng.uniform(0, 6))
    quality = rng.integers(55, 95, size=frames)
    burst = [
        render(card, pose, focal_px=focal, scene=scene, light=float(lit), quality=int(q), rng=rng)
        for pose, lit, q in zip(poses, light, quality, strict=True)
    ]
    return Attack(card.name, kind, actions, sign, seed, burst)


def every_attack(
    cards: list[Card], challenges: list[tuple[str, str]], seeds: tuple[int, ...] = (0,)
) -> Iterator[Attack]:
    """Every card x challenge x kind x direction x seed."""
    for card in cards:
        for actions in challenges:
            for kind in KINDS:
                for sign in (1, -1):
                    for seed in seeds:
                        yield attack_burst(card, actions, kind, sign, seed=seed)


def shipped_cards() -> list[Card]:
    """The face photos installed packages ship, as printed cards and as a phone screen."""
    import matplotlib.cbook
    import skimage.data

    astronaut = skimage.data.astronaut()[0:330, 90:370]
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
        grace = np.asarray(Image.open(handle).convert("RGB"))[40:560, 30:490]
    return [
        Card("astronaut", np.ascontiguousarray(astronaut), 0.30),
        Card("grace", np.ascontiguousarray(grace), 0.40),
        Card("grace-screen", np.ascontiguousarray(grace), 0.40, screen=True),
    ]

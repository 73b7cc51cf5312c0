"""Proof-of-life fixtures: bursts, an enrolled demo, the camera page's steps.

The portraits and the reference template are the shared ones of
tests/portraits.py (encoded once per session, stored encrypted per test).
"""

# ruff: noqa: F811  (fixtures imported from tests/portraits.py are parameter names here)
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageEnhance
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.portraits import (  # noqa: F401  (shared fixtures and helpers)
    astronaut,
    astronaut_jpeg,
    astronaut_template,
    camera_frame,
    grace,
    jpeg,
)


def moving_burst(portrait: Image.Image, count: int = 8) -> list[bytes]:
    """Frames of one person with small shifts and light changes (distinct bytes, no actions)."""
    return [
        jpeg(camera_frame(portrait, shift=(i % 5) * 3 - 6, light=0.95 + 0.01 * i), 88 + i % 5)
        for i in range(count)
    ]


def still_burst(portrait: Image.Image, count: int = 8) -> list[bytes]:
    """A photo held still: the same frame again and again."""
    frame = jpeg(camera_frame(portrait))
    return [frame] * count


@pytest.fixture(scope="session")
def astronaut_transformed(astronaut) -> Image.Image:
    """The same person, rotated 6°, scaled down, darker: still her."""
    turned = astronaut.rotate(6, resample=Image.BICUBIC, fillcolor=(120, 120, 120))
    smaller = turned.resize((420, 420))
    return ImageEnhance.Brightness(smaller).enhance(0.85)


@pytest.fixture
def enrolled(app, demo, astronaut_template):
    """The demo data set, with DP100001 enrolled with Eileen Collins's face."""
    from sqlmodel import select

    import face_engine
    from webapp.db import get_session
    from webapp.models import FaceReference, Pensioner
    from webapp.services import proof_store

    with app.app_context():
        session = get_session()
        p = session.exec(select(Pensioner).where(Pensioner.dp_number == "DP100001")).one()
        sealed = face_engine.encrypt_template(
            astronaut_template,
            proof_store.template_key(),
            associated_data=f"pensioner:{p.id}".encode(),
        )
        session.add(FaceReference(pensioner_id=p.id, template=sealed, source="demo"))
        session.commit()
        return p.id


def multipart(nonce: str, frames: list[bytes], content_type: str = "image/jpeg") -> dict:
    """A multipart body built in memory (the test client would spool a big one to an
    unclosed temporary file)."""
    fields = MultiDict([("nonce", nonce)])
    for i, frame in enumerate(frames):
        fields.add(
            "frames",
            FileStorage(io.BytesIO(frame), f"frame-{i}.jpg", "frames", content_type=content_type),
        )
    boundary, body = encode_multipart(fields)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


class ProofSteps:
    """What the camera page does, as a pensioner's steps through the test client."""

    def __init__(self, client):
        self.client = client

    def challenge(self):
        response = self.client.post("/space/proof/challenge")
        return response

    def upload(self, nonce: str, frames: list[bytes], content_type: str = "image/jpeg"):
        return self.client.post("/space/proof/upload", **multipart(nonce, frames, content_type))

    def attest_with(self, frames: list[bytes]):
        """Challenge then upload: the response shows the outcome (jobs run inline)."""
        nonce = self.challenge().get_json()["nonce"]
        return self.upload(nonce, frames), nonce


@pytest.fixture
def proof(client, auth, enrolled):
    """DP100001 logged in, enrolled, on the proof-of-life steps."""
    auth.login()
    return ProofSteps(client)


@pytest.fixture
def no_liveness(app):
    """The test configuration that matches the face without the liveness actions."""
    app.config["PROOF_LIVENESS_REQUIRED"] = False
    return app


@pytest.fixture
def ctx_db(app):
    """A session inside a pushed app context, for calling services directly.

    Not for tests that also make requests: a request reuses a pushed app
    context (and its ``g``: session, logged-in user) instead of its own.
    """
    from webapp.db import get_session

    with app.app_context():
        yield get_session()

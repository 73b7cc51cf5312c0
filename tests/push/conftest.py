"""Fixtures for web push: a local push service and an app holding a VAPID key pair."""

from __future__ import annotations

import pytest

from tests.push.push_service import PushService


@pytest.fixture(scope="session")
def vapid_pair():
    """One VAPID key pair for the run (as ``flask push init-keys`` makes them)."""
    from webapp.services.push import generate_keys

    return generate_keys()


@pytest.fixture
def push_app(app, vapid_pair):
    """The test app with VAPID keys and plain-HTTP push endpoints allowed (loopback)."""
    app.config.update(
        VAPID_PRIVATE_KEY=vapid_pair[0], VAPID_PUBLIC_KEY=vapid_pair[1], PUSH_ALLOW_HTTP=True
    )
    return app


@pytest.fixture
def push_service():
    """A push service on loopback that verifies VAPID and decrypts every message."""
    with PushService() as service:
        yield service

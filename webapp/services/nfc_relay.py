"""The app's RelayService: where relay sessions live and which CSCAs are trusted."""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import Flask, current_app

from nfc_bridge.relay import MemoryStore, RelayService


class RedisStore:
    """Relay sessions in Redis, so any web process can serve any exchange."""

    def __init__(self, url: str, prefix: str = "dv:"):
        from redis import Redis

        self.redis = Redis.from_url(url)
        self.prefix = prefix

    def get(self, key: str) -> str | None:
        value = self.redis.get(self.prefix + key)
        if isinstance(value, bytes):  # redis-py answers bytes unless decode_responses
            return value.decode()
        return value

    def set(self, key: str, value: str, ttl: float) -> None:
        self.redis.set(self.prefix + key, value, px=max(1, int(ttl * 1000)))

    def delete(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def lock(self, key: str) -> AbstractContextManager:
        """Serialise the requests of one session across processes."""
        return self.redis.lock(self.prefix + "lock:" + key, timeout=30, blocking_timeout=20)


def _trust_store(app: Flask):
    from nfc_bridge.truststore import TrustStore

    path = app.config.get("NFC_CSCA_PATH")
    if path:
        return TrustStore.load(path)
    if app.config.get("DEMO") or app.config.get("TESTING") or app.debug:
        from nfc_bridge.sim import demo_passport

        return demo_passport()[2]
    return TrustStore([])


def relay_service() -> RelayService:
    """The app's relay service (created on first use)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    service = app.extensions.get("nfc_relay")
    if service is None:
        store = RedisStore(app.config["REDIS_URL"]) if app.config["REDIS_URL"] else MemoryStore()
        service = RelayService(store, _trust_store(app), ttl=app.config["NFC_SESSION_TTL"])
        app.extensions["nfc_relay"] = service
    return service

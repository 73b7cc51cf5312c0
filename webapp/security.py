"""Security headers, session timeouts and cache rules for every response."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request, session
from flask_login import current_user

from .models import utcnow
from .sessions import end_session


def user_cache_key() -> str:
    """An opaque per-account key naming the service worker's private cache ("" if anonymous).

    It changes with the account's auth epoch, so a password change also
    retires what was cached before.
    """
    if not current_user.is_authenticated or not current_user.is_pensioner:
        return ""
    mac = hmac.new(
        current_app.config["SECRET_KEY"].encode(), current_user.get_id().encode(), hashlib.sha256
    )
    return mac.hexdigest()[:20]


def register_security(app: Flask) -> None:
    """Install the before/after request hooks."""
    app.add_template_global(user_cache_key, "user_cache_key")

    @app.before_request
    def enforce_session_timeouts():
        if not current_user.is_authenticated:
            return None
        now = utcnow().timestamp()
        cfg = current_app.config
        idle = cfg[
            "STAFF_SESSION_IDLE_MINUTES" if current_user.is_staff else "SESSION_IDLE_MINUTES"
        ]
        login_at = session.get("login_at", 0)
        seen_at = session.get("seen_at", 0)
        if now - seen_at > idle * 60 or now - login_at > cfg["SESSION_ABSOLUTE_HOURS"] * 3600:
            end_session()
            session["expired"] = True
            return current_app.login_manager.unauthorized()
        # Write at most once a minute so a page full of polls does not churn cookies.
        if now - seen_at > 60:
            session["seen_at"] = now
        return None

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if current_app.config["HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
        if request.blueprint == "staff":
            headers["Cache-Control"] = "no-store"
        elif current_user.is_authenticated and "Cache-Control" not in headers:
            # The service worker keeps a per-user copy; shared caches must not.
            headers["Cache-Control"] = "private, no-cache"
        return response

"""Edge defences installed by ``create_app``: secrets, proxies, body sizes, ids, characters.

- ``check_secrets``: refuse the development ``SECRET_KEY`` unless debugging,
  testing or demo mode; in production require a long random one and a valid
  ``TEMPLATE_KEY``.
- ``install_proxy_fix``: trust ``X-Forwarded-*`` from ``TRUSTED_PROXIES``
  proxies (default 0: headers ignored), so limits and audit rows see the client.
- ``AppRequest`` and ``body_limit``: every request body is capped, chunked ones
  too: ``FORM_MAX_BYTES`` (``UPLOAD_MAX_BYTES`` for multipart uploads) unless
  the view declares its own cap; never more than ``MAX_CONTENT_LENGTH``; over
  the cap is a 413.
- ``BoundedIntConverter``: ``<int:…>`` URL parts larger than a database
  integer do not match (404), instead of overflowing a query.
- ``refuse_control_characters``: a query string with NUL or other control
  characters is refused with a 400 page saying so (forms say it next to the
  field, see ``webapp.forms``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import cached_property
from io import BytesIO
from typing import IO, Any

from flask import Flask, Request, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import DEV_SECRET_KEY
from .errors import CONTROL_MESSAGE
from .forms import has_control_characters

MIN_SECRET_CHARS = 32
DB_INT_MAX = 2**31 - 1


def check_secrets(app: Flask, env: str) -> None:
    """Refuse to start with keys that would let anyone forge sessions or lose templates."""
    cfg = app.config
    key = cfg.get("SECRET_KEY") or ""
    relaxed = app.debug or app.testing or cfg.get("DEMO")
    if env == "production":
        if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_CHARS or len(set(key)) < 10:
            raise RuntimeError(
                "SECRET_KEY must be at least 32 random bytes in production "
                '(python -c "import secrets; print(secrets.token_urlsafe(32))")'
            )
        if not cfg.get("TEMPLATE_KEY"):
            raise RuntimeError("TEMPLATE_KEY must be set in production (32 bytes, base64url)")
    elif key == DEV_SECRET_KEY and not relaxed:
        raise RuntimeError(
            "SECRET_KEY is the development default: set SECRET_KEY, or run with "
            "DEMO=1 or --debug on a machine of your own"
        )
    if cfg.get("TEMPLATE_KEY"):
        from face_engine.templates import InvalidKey, load_key

        try:
            load_key(cfg["TEMPLATE_KEY"])
        except InvalidKey as exc:
            raise RuntimeError(f"TEMPLATE_KEY is not usable: {exc}") from None


def install_proxy_fix(app: Flask) -> None:
    """Believe the last ``TRUSTED_PROXIES`` hops of ``X-Forwarded-For/Proto/Host``."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


Limit = int | str | Callable[[dict[str, Any]], int]


def body_limit(limit: Limit) -> Callable:
    """Declare a view's body cap: bytes, a config key, or a function of the config.

    Put it right under ``@bp.route`` so the registered view carries it.
    """

    def decorator(view: Callable) -> Callable:
        view.body_limit = limit  # type: ignore[attr-defined]
        return view

    return decorator


class AppRequest(Request):
    """A request whose body cap depends on the view (read before any form parsing)."""

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return None
        cfg = current_app.config
        view = current_app.view_functions.get(self.endpoint or "")
        declared: Limit | None = getattr(view, "body_limit", None)
        if declared is None:
            multipart = self.mimetype == "multipart/form-data"
            limit = int(cfg["UPLOAD_MAX_BYTES" if multipart else "FORM_MAX_BYTES"])
        elif isinstance(declared, str):
            limit = int(cfg[declared])
        elif callable(declared):
            limit = int(declared(cfg))
        else:
            limit = int(declared)
        ceiling = cfg.get("MAX_CONTENT_LENGTH")
        return min(limit, ceiling) if ceiling else limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @cached_property
    def stream(self) -> IO[bytes]:
        """Werkzeug's guarded stream, except for a body of unknown length (chunked).

        Werkzeug stops reading such a body at the cap without saying so (the form
        would be parsed truncated); here one byte more than the cap is read, and
        if it comes the request is a 413.
        """
        limit = self.max_content_length
        if self.content_length is None and "wsgi.input_terminated" in self.environ and limit:
            data = self.environ["wsgi.input"].read(limit + 1)
            if len(data) > limit:
                raise RequestEntityTooLarge()
            return BytesIO(data)
        return super().stream


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to what a database integer holds."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def refuse_control_characters() -> None:
    """Before every request: a query string with control characters is a 400."""
    for values in request.args.listvalues():
        if any(has_control_characters(v) for v in values):
            abort(400, description=str(CONTROL_MESSAGE))


def install(app: Flask, env: str) -> None:
    """Everything above, in the order it must run (before blueprints and extensions)."""
    check_secrets(app, env)
    app.request_class = AppRequest
    app.url_map.converters["int"] = BoundedIntConverter
    install_proxy_fix(app)
    app.before_request(refuse_control_characters)
    install_log_filters()


# The relay token is a bearer capability carried in the URL path (the Android
# helper posts to the session URL it was given, see nfc_bridge/PROTOCOL.md):
# keep it out of the access logs of the dev server and of gunicorn.
_RELAY_TOKEN = re.compile(r"(/nfc/sessions/)[^/\s?\"]+")


def redact_relay_tokens(text: str) -> str:
    """``/nfc/sessions/<token>/…`` → ``/nfc/sessions/…redacted…/…``."""
    return _RELAY_TOKEN.sub(r"\1[redacted]", text)


class RelayTokenFilter(logging.Filter):
    """A logging filter that redacts relay tokens from every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_relay_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_log_filters() -> None:
    """The dev server's request log (``werkzeug``); gunicorn uses ``gunicorn.conf.py``."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RelayTokenFilter) for f in logger.filters):
        logger.addFilter(RelayTokenFilter())

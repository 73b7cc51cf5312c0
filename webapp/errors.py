"""Domain errors and the friendly error pages."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l, ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError as SQLAlchemyDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` is shown to the user as is."""

    message = _l("L'opération n'a pas pu être effectuée.")

    def __init__(self, message=None, **details):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message
        self.details = details


class InvalidCredentials(DomainError):
    message = _l("Numéro de dossier ou mot de passe incorrect.")


class LoginThrottled(DomainError):
    """Too many failures: a growing delay, never a permanent lock-out."""

    def __init__(self, retry_after_seconds: int):
        minutes = max(1, -(-retry_after_seconds // 60))
        message = ngettext(
            "Trop d'essais. Réessayez dans %(num)s minute.",
            "Trop d'essais. Réessayez dans %(num)s minutes.",
            minutes,
        )
        super().__init__(message, retry_after=retry_after_seconds)
        self.retry_after = retry_after_seconds


class WrongPassword(DomainError):
    message = _l("Mot de passe incorrect.")


class ImportRejected(DomainError):
    """A registry file had bad lines; nothing was imported."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__("; ".join(f"line {n}: {why}" for n, why in errors))
        self.errors = errors


class NotFound(DomainError):
    message = _l("Élément introuvable.")


CONTROL_MESSAGE = _l("La demande contient des caractères non autorisés.")


def register_errorhandlers(app: Flask) -> None:
    """Friendly pages for 4xx, and a reference id for unexpected errors (also logged)."""

    def _render(code: int, title, text, reference: str | None = None, headers=None):
        # Whatever failed, the request's database session must not poison the page
        # (templates may read the current user, alerts…): roll it back first.
        session = g.get("db_session")
        if session is not None:
            try:
                session.rollback()
            except Exception:  # pragma: no cover - a dead connection
                log.exception("rollback before an error page failed")
        template = (
            "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
        )
        body = render_template(template, code=code, title=title, text=text, reference=reference)
        return body, code, headers or {}

    def _kept_headers(err: HTTPException) -> dict[str, str]:
        """Allow (405), Retry-After (429/503) and the like; not the body's own headers."""
        return {
            k: v
            for k, v in err.get_headers()
            if k.lower() not in ("content-type", "content-length")
        }

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return _render(
            400, _l("Page expirée"), _l("La page a expiré. Rechargez-la puis recommencez.")
        )

    @app.errorhandler(404)
    def not_found(err):
        return _render(
            404, _l("Page introuvable"), _l("Cette page n'existe pas ou a été déplacée.")
        )

    @app.errorhandler(429)
    def too_many(err):
        return _render(
            429,
            _l("Trop de demandes"),
            _l("Trop de demandes en peu de temps. Patientez une minute puis réessayez."),
            headers=_kept_headers(err),
        )

    @app.errorhandler(413)
    def too_large(err):
        return _render(
            413,
            _l("Demande trop volumineuse"),
            _l("La demande est trop volumineuse. Envoyez moins de données à la fois."),
        )

    @app.errorhandler(SQLAlchemyDataError)
    def bad_data(err):
        # A value the database refuses (NUL byte, out-of-range number) that slipped
        # past the edge checks: the request was bad, not the server.
        log.warning("database refused a value: %s", err.orig)
        return _render(400, _l("Demande invalide"), CONTROL_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        text = (
            err.description
            if err.code == 400 and err.description == str(CONTROL_MESSAGE)
            else _l("La demande n'a pas pu être traitée.")
        )
        return _render(err.code or 500, err.name, text, headers=_kept_headers(err))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        reference = secrets.token_hex(4).upper()
        log.exception("unexpected error, reference %s", reference)
        return _render(
            500,
            _l("Une erreur est survenue"),
            _l("Nous n'avons pas pu afficher cette page. Réessayez plus tard."),
            reference,
        )

"""Gunicorn settings read from the working directory: access logs without relay tokens.

``gunicorn -w 4 -k gthread --threads 4 -b 127.0.0.1:8000 wsgi:app`` picks this
file up by itself (see the README, Production).
"""

from gunicorn.glogging import Logger

from webapp.hardening import redact_relay_tokens


class RedactingLogger(Logger):
    """Gunicorn's logger with the relay token taken out of the request line and path."""

    def atoms(self, resp, req, environ, request_time):  # noqa: D102
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "{raw_uri}e"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_relay_tokens(atoms[name])
        return atoms


logger_class = RedactingLogger

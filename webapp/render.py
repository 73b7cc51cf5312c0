"""Rendering a screen as a full page or as an htmx partial from the same markup."""

from __future__ import annotations

import posixpath
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from flask import make_response, render_template
from flask_htmx import HTMX

from .extensions import htmx as _htmx
from .forms import has_control_characters


def is_partial_request() -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    h: HTMX = _htmx
    return bool(h) and not h.history_restore_request


def partial_name(page: str) -> str:
    """``space/payments.html`` → ``space/_payments.html``."""
    folder, _, name = page.rpartition("/")
    return f"{folder}/_{name}" if folder else f"_{name}"


def render_page(page: str, status: int = 200, title=None, **context):
    """Render ``page`` in full, or only its partial for an htmx request.

    Both render the same partial template, so a refresh shows exactly what a
    swap showed. ``Vary: HX-Request`` is added globally in ``security``.
    """
    context["page_title"] = title
    if is_partial_request():
        body = render_template("_swap.html", partial=partial_name(page), **context)
    else:
        body = render_template(page, **context)
    return make_response(body, status)


def safe_next(target: str | None) -> str | None:
    """A normalised path on this site to go back to after login, or None.

    Refused: anything with a scheme or host, control characters (a tab or
    CR/LF that a browser would drop or a header would choke on), backslashes
    and paths that would start with ``//``. ``.`` and ``..`` are resolved.
    """
    if not target or len(target) > 2048 or "\\" in target or has_control_characters(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    path = posixpath.normpath(unquote(parts.path))
    if path.startswith("//") or "\\" in path or has_control_characters(path):
        return None
    if parts.path.endswith("/") and not path.endswith("/"):
        path += "/"
    return urlunsplit(("", "", quote(path, safe="/@:+,;=-._~!$&'()*"), parts.query, ""))

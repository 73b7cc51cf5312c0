"""Rendering a screen as a full page or as an htmx partial from the same markup."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, make_response, render_template
from flask_htmx import HTMX

from .extensions import htmx as _htmx


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
    """A same-site path to go back to after login, or None."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on the public site, built from ``PUBLIC_BASE_URL`` and the URL map.

    Works without a request (jobs, commands): the base URL's scheme, host and
    path prefix come from configuration, the path from the route itself.
    """
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def render_document(template: str, **context: Any) -> str:
    """Render a template that stands alone (a PDF, an e-mail) with no request.

    Only the application context is needed: the blueprints' context processors
    (which look at the logged-in user) are not run, so the template gets
    exactly what it is given, plus the app's filters and globals.
    """
    return current_app.jinja_env.get_template(template).render(context)

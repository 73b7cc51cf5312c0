"""Documents rendered without a request: PDFs, e-mails and SMS, links to the public site.

Services and jobs may use this module (it needs only an application context);
pages use :mod:`webapp.render`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


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
    """Render a template that stands alone (a PDF, an e-mail, an SMS) with no request.

    Only the application context is needed: the blueprints' context processors
    (which look at the logged-in user) are not run, so the template gets
    exactly what it is given, plus the app's filters and globals.
    """
    return current_app.jinja_env.get_template(template).render(context)

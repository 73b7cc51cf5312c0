"""Landing page, attestation verification, language switch, PWA files."""

import functools
import hashlib
import re
from pathlib import Path

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..db import get_session
from ..render import render_page, safe_next
from ..services import attestations, pensioners
from . import bp


@bp.route("/")
def index():
    """Landing: the pensioner's home when logged in, else the welcome page."""
    if current_user.is_authenticated and current_user.is_pensioner:
        return redirect(url_for("space.home"))
    return render_page(
        "public/index.html",
        title=_l("Bienvenue"),
        logged_out=bool(request.args.get("logged_out")),
        cancelled=bool(request.args.get("cancelled")),
    )


@bp.route("/verify/", methods=["GET"])
@bp.route("/verify/<code>")
def verify(code: str | None = None):
    """Anyone can check that an attestation is genuine; only initials and totals are shown."""
    code = code or request.args.get("code", "")
    found = attestations.find_by_code(get_session(), code) if code else None
    status = 404 if code and not found else 200
    att, holder = found if found else (None, None)
    return render_page(
        "public/verify.html",
        title=_l("Vérifier une attestation"),
        code=code,
        att=att,
        initials=attestations.initials(holder) if holder else None,
        status=status,
    )


@bp.route("/lang/<lang>", methods=["POST"])
def set_language(lang: str):
    """Switch language; remembered in a cookie and on the pensioner's account."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = lang
    if current_user.is_authenticated and current_user.is_pensioner:
        pensioners.set_language(get_session(), current_user.record, lang)
    target = safe_next(request.form.get("next")) or url_for("public.index")
    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
    else:
        response = make_response(redirect(target))
    response.set_cookie(
        "lang",
        lang,
        max_age=365 * 86400,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.route("/offline")
def offline():
    """Shown by the service worker when a page is neither online nor cached."""
    return render_template("public/offline.html")


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the visitor's language and direction."""
    from flask_babel import gettext as _

    from ..i18n import current_lang, text_direction

    data = {
        "name": _("DialVie — Preuve de vie"),
        "short_name": "DialVie",
        "description": _("Attestez de votre vie et suivez votre pension."),
        "start_url": "/space/?source=pwa",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5d3b",
        "lang": current_lang(),
        "dir": text_direction(),
        "icons": [
            {
                "src": url_for("static", filename="icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": url_for("static", filename="icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": url_for("static", filename="icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.response_class(
        current_app.json.dumps(data), mimetype="application/manifest+json"
    )
    response.vary.add("Accept-Language")
    return response


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so its scope is the whole app.

    Its VERSION gets a digest of the shell's files, so a deploy that changes
    them installs a new worker (and offers the update) without a manual bump.
    """
    response = current_app.response_class(
        _versioned_sw(current_app.static_folder, _template_folder()),
        mimetype="text/javascript",
    )
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _template_folder() -> str:
    return str(Path(current_app.root_path) / (current_app.template_folder or "templates"))


@functools.lru_cache(maxsize=4)
def _versioned_sw(static_folder: str, template_folder: str) -> str:
    static, templates = Path(static_folder), Path(template_folder)
    digest = hashlib.sha256()
    # Relative names in a fixed order: the digest must not depend on where the
    # app is installed.
    shell = [(static, p) for p in ("css/*.css", "js/*.js", "icons/*", "img/guide/*")]
    shell += [(templates, p) for p in ("public/*.html", "base.html")]
    for root, pattern in shell:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    source = (static / "sw.js").read_text(encoding="utf-8")
    return re.sub(
        r'const VERSION = "([^"]*)";',
        lambda m: f'const VERSION = "{m.group(1)}-{digest.hexdigest()[:10]}";',
        source,
        count=1,
    )


@bp.route("/healthz")
def healthz():
    """Liveness probe for the proxy, and the 'bare route' of the benchmark."""
    return {"ok": True}

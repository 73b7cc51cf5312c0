"""The Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import db
from .config import Config, ProductionConfig
from .hardening import install as install_hardening


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: config from the environment, the instance file, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    env = os.environ.get("APP_ENV", "development")
    app.config.from_object(ProductionConfig if env == "production" else Config)
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'dialvie.sqlite3'}"
    install_hardening(app, env)

    if not app.config["SCHEDULER"]:
        # Without Redis the web process schedules the daily cycle itself.
        quiet = app.config.get("TESTING") or app.config["REDIS_URL"]
        app.config["SCHEDULER"] = "off" if quiet else "thread"

    db.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    from .errors import register_errorhandlers
    from .security import register_security

    register_errorhandlers(app)
    register_security(app)
    register_commands(app)
    from .i18n import register_template_helpers

    register_template_helpers(app)
    from . import scheduler

    scheduler.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind every extension object from ``extensions`` to the app."""
    from .extensions import babel, csrf, htmx, limiter, login_manager
    from .i18n import select_locale, select_timezone
    from .sessions import register_user_loader

    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    register_user_loader(login_manager)


def register_blueprints(app: Flask) -> None:
    """One blueprint per package."""
    from .auth import bp as auth_bp
    from .dev import bp as dev_bp
    from .enrol import bp as enrol_bp
    from .nfc import bp as nfc_bp
    from .proof import bp as proof_bp
    from .public import bp as public_bp
    from .push import bp as push_bp
    from .space import bp as space_bp
    from .staff import bp as staff_bp

    for bp in (public_bp, auth_bp, space_bp, staff_bp, proof_bp, nfc_bp, push_bp, enrol_bp, dev_bp):
        app.register_blueprint(bp)


def register_commands(app: Flask) -> None:
    """Operator commands: ``flask db``, ``flask registry``, ``flask demo``, ``flask jobs``."""
    from .cli import db_cli, demo_cli, enrol_cli, jobs_cli, notify_cli, registry_cli

    for group in (db_cli, registry_cli, demo_cli, jobs_cli, notify_cli, enrol_cli):
        app.cli.add_command(group)
    from face_engine.cli import face
    from mrz_reader.cli import mrz

    from .proof.cli import proof_cli
    from .push.cli import push_cli

    app.cli.add_command(face)
    app.cli.add_command(mrz)
    app.cli.add_command(proof_cli)
    app.cli.add_command(push_cli)
    from .booking_cli import booking_cli

    app.cli.add_command(booking_cli)

"""Every Flask extension object, created unbound and initialised in create_app."""

from flask import current_app
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_ip_limit() -> str:
    """The per-IP limit on login POSTs (pensioner and staff), from configuration."""
    return current_app.config["LOGIN_IP_LIMIT"]


# One per-IP bucket for every login form (pensioner and staff): a client that
# is refused on one form is refused on the other.
login_limit = limiter.shared_limit(login_ip_limit, scope="login", methods=["POST"])

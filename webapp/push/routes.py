"""Subscribe and unsubscribe this device (JSON from static/js/push.js; CSRF header)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import get_locale

from ..auth.users import current_pensioner, pensioner_required
from ..db import get_session
from ..services import audit, push as svc
from . import bp

#: A subscription is under 1 KB; refuse anything much larger before parsing it.
MAX_BODY = 4096


def _json_body():
    if (request.content_length or 0) > MAX_BODY:
        return None
    return request.get_json(silent=True)


@bp.post("/subscribe")
@pensioner_required
def subscribe():
    """Store this browser's subscription for the logged-in pensioner."""
    if not svc.vapid_keys_configured() or not current_app.config["PUSH_ENABLED"]:
        return jsonify(error=str(svc.PushNotConfigured.message)), 503
    pensioner = current_pensioner()
    session = get_session()
    try:
        row = svc.subscribe(session, pensioner.id, _json_body(), str(get_locale() or "fr"))
    except svc.InvalidSubscription as exc:
        return jsonify(error=exc.message, reason=exc.details.get("reason")), 400
    audit.record(
        session,
        "push_subscribed",
        actor_type="pensioner",
        actor_id=pensioner.id,
        target_type="push_subscription",
        target_id=row.id,
        ip=request.remote_addr,
    )
    session.commit()
    return jsonify(ok=True), 201


@bp.post("/unsubscribe")
@pensioner_required
def unsubscribe():
    """Forget this browser's subscription."""
    data = _json_body()
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        return jsonify(error=str(svc.InvalidSubscription.message)), 400
    removed = svc.unsubscribe(get_session(), current_pensioner().id, endpoint)
    return jsonify(ok=True, removed=removed)

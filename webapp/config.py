"""Configuration read from the environment.

Public defaults live in ``.flaskenv``; secrets come from the environment or a
private ``.env``. ``create_app`` layers: this class, then ``instance/config.py``
when present, then the test mapping.
"""

import json
import os
from datetime import timedelta


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Refused at start-up unless debugging, testing or in demo mode (see webapp.hardening).
DEV_SECRET_KEY = "dev-only-change-me"


class Config:
    """Settings for every environment; production overrides come from env vars."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Empty means: SQLite file in the instance folder (set in create_app).
    DATABASE_URL = os.environ.get("DATABASE_URL", "")
    # Empty means: jobs run inline, rate limits kept in memory.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "default")
    JOB_TIMEOUT = int(os.environ.get("JOB_TIMEOUT", "120"))
    # Run once by each worker before it forks a child per job (imports, fonts).
    JOB_WARM_UP = ("jobs.pdf:warm_up", "mrz_reader:warm_up")

    # Key for biometric templates at rest (32 bytes, base64url). Empty in dev:
    # derived from SECRET_KEY so the demo works; production must set it.
    TEMPLATE_KEY = os.environ.get("TEMPLATE_KEY", "")

    # Web push (VAPID, RFC 8292): `flask push init-keys` writes the pair into
    # instance/config.py; never commit them. The subject is a contact for the
    # push services (mailto: or https:).
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
    VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:support@dialvie.example")
    PUSH_ENABLED = _bool("PUSH_ENABLED", True)
    # A reminder waiting on the push service is useless after a few days.
    PUSH_TTL_SECONDS = int(os.environ.get("PUSH_TTL_SECONDS", str(3 * 24 * 3600)))
    # After this many tries with the push service down, send by SMS/e-mail instead.
    PUSH_FALLBACK_AFTER_ATTEMPTS = int(os.environ.get("PUSH_FALLBACK_AFTER_ATTEMPTS", "3"))
    # Reminder channels besides the in-app alert, in order of preference.
    REMINDER_CHANNELS = os.environ.get("REMINDER_CHANNELS", "push,sms,email")
    # No SMS, e-mail or push between these hours in the pensioner's own time
    # zone: a message due then is sent when they end.
    QUIET_HOURS = os.environ.get("QUIET_HOURS", "21:00-09:00")
    PUSH_TIMEOUT_SECONDS = float(os.environ.get("PUSH_TIMEOUT_SECONDS", "10"))
    # Real push services are HTTPS; tests run one on plain loopback HTTP.
    PUSH_ALLOW_HTTP = _bool("PUSH_ALLOW_HTTP", False)

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Africa/Casablanca"
    LANGUAGES = ("fr", "ar", "en")

    # Sessions: signed cookie, rotated at login, idle and absolute timeouts.
    SESSION_COOKIE_NAME = "dv_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie is re-signed only when the session changes (at most once a
    # minute for the idle timer), not on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
    STAFF_SESSION_IDLE_MINUTES = int(os.environ.get("STAFF_SESSION_IDLE_MINUTES", "20"))

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; idle timeout bounds it
    WTF_CSRF_SSL_STRICT = _bool("WTF_CSRF_SSL_STRICT", True)

    # Login throttling: Flask-Limiter per IP, growing delay per account.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    LOGIN_IP_LIMIT = os.environ.get("LOGIN_IP_LIMIT", "20 per minute; 200 per hour")
    # Per identifier and client network: free tries, then a doubling delay (capped).
    LOGIN_FREE_FAILURES = 3
    LOGIN_MAX_DELAY_SECONDS = 15 * 60
    # Per identifier over every network: a ceiling that slows, never blocks, the owner.
    LOGIN_ACCOUNT_FREE_FAILURES = int(os.environ.get("LOGIN_ACCOUNT_FREE_FAILURES", "20"))
    LOGIN_ACCOUNT_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_ACCOUNT_MAX_DELAY_SECONDS", "60"))

    # Content-Security-Policy without unsafe-inline / unsafe-eval, everywhere.
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
        "font-src 'self'; manifest-src 'self'; worker-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
    HSTS = _bool("HSTS", False)

    # Attestations: where the place of issue reads, and how long PDFs are cached.
    FUND_NAME = os.environ.get("FUND_NAME", "Caisse de retraite")
    ATTESTATION_PLACE = os.environ.get("ATTESTATION_PLACE", "Casablanca")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    DEMO = _bool("DEMO", False)

    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed
    # (0: none, the peer address is the client). Behind one nginx: 1.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Request bodies: the global ceiling, the default for every form, the relay.
    # Views that take more declare it (webapp.hardening.body_limit); over is a 413.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024)))
    FORM_MAX_BYTES = int(os.environ.get("FORM_MAX_BYTES", str(64 * 1024)))
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
    RELAY_MAX_BYTES = 512 * 1024  # nfc_bridge relay_protocol.MAX_REQUEST_BYTES

    # Passport chip relay: session lifetime, and the CSCA trust store (a folder of
    # certificates or a CSCA master list); demo/test modes trust the demo CSCA.
    NFC_SESSION_TTL = int(os.environ.get("NFC_SESSION_TTL", "600"))
    NFC_CSCA_PATH = os.environ.get("NFC_CSCA_PATH", "")

    # Proof of life (quarterly campaigns, selfie + liveness).
    # The daily cycle (reminders, suspensions, purge) runs by itself once the
    # fund's local time passes PROOF_DAILY_AT. SCHEDULER: "thread" (a thread in
    # the web process; the default without Redis), "off" (production: run
    # `flask jobs cron`, or a cron line calling `flask proof tick`).
    PROOF_DAILY_AT = os.environ.get("PROOF_DAILY_AT", "06:00")
    SCHEDULER = os.environ.get("SCHEDULER", "")
    SCHEDULER_TICK_SECONDS = int(os.environ.get("SCHEDULER_TICK_SECONDS", "300"))
    # A run that started this long ago and never finished is taken over.
    SCHEDULER_STALE_MINUTES = int(os.environ.get("SCHEDULER_STALE_MINUTES", "60"))
    PROOF_OPEN_DAY = int(os.environ.get("PROOF_OPEN_DAY", "1"))  # of Jan/Apr/Jul/Oct
    PROOF_DEADLINE_DAY = int(os.environ.get("PROOF_DEADLINE_DAY", "20"))
    PROOF_DAILY_ATTEMPTS = int(os.environ.get("PROOF_DAILY_ATTEMPTS", "5"))
    PROOF_CHALLENGE_SECONDS = int(os.environ.get("PROOF_CHALLENGE_SECONDS", "120"))
    PROOF_DISPUTE_DAYS = int(os.environ.get("PROOF_DISPUTE_DAYS", "30"))
    PROOF_MIN_FRAMES = int(os.environ.get("PROOF_MIN_FRAMES", "8"))
    PROOF_MAX_FRAMES = int(os.environ.get("PROOF_MAX_FRAMES", "20"))
    PROOF_MAX_FRAME_BYTES = int(os.environ.get("PROOF_MAX_FRAME_BYTES", str(1024 * 1024)))
    # False only in tests/demos: decide on the face match alone, ignoring the actions.
    PROOF_LIVENESS_REQUIRED = _bool("PROOF_LIVENESS_REQUIRED", True)
    # Liveness thresholds overriding face_engine.LivenessConfig's measured defaults,
    # as JSON, e.g. {"live_parallax": 0.09} (docs/face-threshold.md says what each is).
    FACE_LIVENESS = json.loads(os.environ.get("FACE_LIVENESS", "{}"))
    PROOF_JOB_TIMEOUT = int(os.environ.get("PROOF_JOB_TIMEOUT", "60"))
    # The burst the camera page uploads (at most PROOF_MAX_FRAMES), picked from the
    # frames seen while each instruction stays on screen: at least PROOF_STEP_MIN_MS,
    # until the move is seen and has settled, at most PROOF_STEP_MAX_MS.
    PROOF_CAPTURE_FRAMES = int(os.environ.get("PROOF_CAPTURE_FRAMES", "20"))
    PROOF_STEP_MIN_MS = int(os.environ.get("PROOF_STEP_MIN_MS", "2000"))
    PROOF_STEP_MAX_MS = int(os.environ.get("PROOF_STEP_MAX_MS", "6000"))

    # One-time codes (enrolment, agency login, adviser verification, access reset).
    OTP_TTL_MINUTES = int(os.environ.get("OTP_TTL_MINUTES", "10"))
    OTP_MAX_TRIES = int(os.environ.get("OTP_MAX_TRIES", "5"))
    OTP_RESEND_SECONDS = int(os.environ.get("OTP_RESEND_SECONDS", "60"))
    # Codes sent per UTC day: to one number or address, for one pension file, from one IP.
    OTP_DAILY_LIMIT_DESTINATION = int(os.environ.get("OTP_DAILY_LIMIT_DESTINATION", "5"))
    OTP_DAILY_LIMIT_FILE = int(os.environ.get("OTP_DAILY_LIMIT_FILE", "8"))
    OTP_DAILY_LIMIT_IP = int(os.environ.get("OTP_DAILY_LIMIT_IP", "20"))

    # Sending messages: "outbox" stores them in the database (read at /dev/outbox in
    # debug or demo mode); "smtp" and "http" send them for real.
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "outbox")  # outbox | smtp
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = int(os.environ.get("SMTP_TIMEOUT", "15"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "DialVie <no-reply@dialvie.localhost>")
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "outbox")  # outbox | http
    # The provider's endpoint receives a JSON POST {SMS_HTTP_TO_FIELD: "+212…",
    # SMS_HTTP_TEXT_FIELD: "…", "reference": "notification-<id>"} merged with
    # SMS_HTTP_EXTRA (a JSON object, e.g. {"sender": "CAISSE"}); the token goes in
    # "Authorization: Bearer …". Any 2xx answer means accepted.
    SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
    SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
    SMS_HTTP_TO_FIELD = os.environ.get("SMS_HTTP_TO_FIELD", "to")
    SMS_HTTP_TEXT_FIELD = os.environ.get("SMS_HTTP_TEXT_FIELD", "text")
    SMS_HTTP_EXTRA = os.environ.get("SMS_HTTP_EXTRA", "{}")
    SMS_HTTP_TIMEOUT = int(os.environ.get("SMS_HTTP_TIMEOUT", "15"))
    # Seconds between RQ retries when a provider is down; after the last one the
    # message waits as "failed" until `flask notify retry` (or the daily job).
    NOTIFY_RETRY_INTERVALS = os.environ.get("NOTIFY_RETRY_INTERVALS", "10,60,300,900")

    # Enrolment: how long an unfinished enrolment can be resumed, and the versions of
    # the texts accepted (bump when the text of the CGU or the privacy notice changes).
    ENROL_RESUME_HOURS = int(os.environ.get("ENROL_RESUME_HOURS", "24"))
    # New enrolments one IP may open (each is a row; codes have their own limits).
    ENROL_START_LIMIT = os.environ.get("ENROL_START_LIMIT", "20 per hour")
    TERMS_VERSION = "2026-11"
    PRIVACY_VERSION = "2026-11"
    FUND_CONTACT_PHONE = os.environ.get("FUND_CONTACT_PHONE", "+212 522 00 00 00")
    FUND_CONTACT_EMAIL = os.environ.get("FUND_CONTACT_EMAIL", "contact@dialvie.localhost")
    FUND_DPO_EMAIL = os.environ.get("FUND_DPO_EMAIL", "dpo@dialvie.localhost")
    # The CNDP's authorisation number for the processing, printed on the notice when set.
    CNDP_AUTHORISATION = os.environ.get("CNDP_AUTHORISATION", "")

    # Enrolment selfie (both procedures): uploads allowed per pensioner and local day.
    ENROL_SELFIE_DAILY_ATTEMPTS = int(os.environ.get("ENROL_SELFIE_DAILY_ATTEMPTS", "5"))
    # Passport scan: the largest picture accepted (bytes).
    ENROL_SCAN_MAX_BYTES = int(os.environ.get("ENROL_SCAN_MAX_BYTES", str(8 * 1024 * 1024)))


class ProductionConfig(Config):
    """Hardened defaults; enable with ``APP_ENV=production``."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True

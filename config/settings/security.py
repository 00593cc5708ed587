"""Secrets, cookies and HTTPS. Production refuses to start without a real secret key."""

import secrets
from datetime import timedelta

from config.env import env_bool, env_int, env_str

from .environment import DATA_DIR, IS_PRODUCTION


def _development_secret_key() -> str:
    # Outside production a random key is made once and kept in DATA_DIR, so
    # sessions survive restarts and no key is ever committed.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if IS_PRODUCTION:
    SECRET_KEY = env_str("OPENSYNTH_SECRET_KEY")
else:
    SECRET_KEY = env_str("OPENSYNTH_SECRET_KEY", "") or _development_secret_key()

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("OPENSYNTH_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("OPENSYNTH_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Marks the site eligible for browsers' HSTS preload lists (it still has to be submitted there).
    SECURE_HSTS_PRELOAD = env_bool("OPENSYNTH_HSTS_PRELOAD", True)
    # Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts only from our own origin, never inline, so markup
# that slips into a page cannot run. Styles may be inline: htmx injects its indicator rule and a few
# layout attributes remain; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Browser features the platform never uses, switched off for every page (core.middleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed attempts for one username
# from one address, that pair is refused (HTTP 429) until the cool-off has passed. Keyed on the
# pair so that a stranger cannot lock a member out from elsewhere.
AXES_FAILURE_LIMIT = env_int("OPENSYNTH_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OPENSYNTH_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
# Behind the TLS proxy the client's address is the last X-Forwarded-For entry (the proxy appends it).
TRUSTED_PROXY = IS_PRODUCTION

# API tokens expire; their owner lists and revokes them at /accounts/tokens/ or /api/auth/tokens/.
API_TOKEN_DAYS = env_int("OPENSYNTH_API_TOKEN_DAYS", 30, minimum=1)

"""Secrets, cookies and HTTPS. Production refuses to start without a real secret key."""

import secrets

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

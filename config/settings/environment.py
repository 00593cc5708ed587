"""Which kind of deployment this is, and where its files live."""

from pathlib import Path

from config.env import env_bool, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# development: SQLite + embedded broker defaults, DEBUG on.
# production: every secret and host must be given; secure cookies and HTTPS.
# test: what pytest runs with (set by tests/conftest.py before Django starts).
ENVIRONMENT = env_str("OPENSYNTH_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"OPENSYNTH_ENV={ENVIRONMENT!r}: use development, production or test.")

IS_PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("OPENSYNTH_DEBUG", ENVIRONMENT == "development")

# Local state (SQLite file, embedded broker queue, uploads) lives here, never in the repo.
DATA_DIR = Path(env_str("OPENSYNTH_DATA_DIR", str(BASE_DIR / "var"))).resolve()

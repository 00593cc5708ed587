"""What the test suite reads: whether missing services fail or skip, and faster hashing."""

from config.env import env_bool

from .environment import ENVIRONMENT

# CI sets this: a test that needs PostgreSQL, Redis, a worker or Chromium and
# cannot reach it fails instead of skipping.
REQUIRE_SERVICES = env_bool("OPENSYNTH_REQUIRE_SERVICES", False)

if ENVIRONMENT == "test":
    # Passwords in tests need no protection; the default hasher costs ~0.3 s per login.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

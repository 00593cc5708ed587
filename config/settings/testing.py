"""What the test suite reads: whether missing services fail or skip, and faster hashing."""

from config.env import env_bool, env_int, env_str

from .environment import ENVIRONMENT

# CI sets this: a test that needs PostgreSQL, Redis, a worker or Chromium and
# cannot reach it fails instead of skipping.
REQUIRE_SERVICES = env_bool("OPENSYNTH_REQUIRE_SERVICES", False)

if ENVIRONMENT == "test":
    # Passwords in tests need no protection; the default hasher costs ~0.3 s per login.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Fault tests (tests/reliability/test_faults.py): rounds of each fault and the length of a
# broker outage. CI runs the short default; bench/faults.py runs 20 rounds of 30 s.
FAULT_ROUNDS = env_int("OPENSYNTH_FAULT_ROUNDS", 2, minimum=1) if ENVIRONMENT == "test" else 0
FAULT_OUTAGE_SECONDS = (
    env_int("OPENSYNTH_FAULT_OUTAGE_SECONDS", 10, minimum=1) if ENVIRONMENT == "test" else 0
)
# The worker pool the fault tests run (prefork, as production; threads or solo to compare).
FAULT_WORKER_POOL = env_str("OPENSYNTH_FAULT_WORKER_POOL", "prefork") if ENVIRONMENT == "test" else ""

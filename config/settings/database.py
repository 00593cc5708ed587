"""The database: SQLite in DATA_DIR by default, PostgreSQL when DATABASE_URL says so."""

from config.env import env_db, env_int

from .environment import DATA_DIR

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env_db("DATABASE_URL", f"sqlite:///{DATA_DIR / 'opensynth.sqlite3'}")}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web server and worker) share the file: wait for the
    # write lock instead of failing at once, and let readers go on during writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Take the write lock when a transaction starts: a read that later turns into a write
            # fails at once with "database is locked" whatever the timeout.
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("OPENSYNTH_DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

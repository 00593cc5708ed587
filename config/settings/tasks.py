"""Celery: Redis when REDIS_URL is set, otherwise a broker in files under DATA_DIR.

The reliability options follow the recompute protocol in docs/architecture.md: a task is
acknowledged only after it ran, a task whose worker died goes back to the
queue, and each worker takes one task at a time.
"""

from config.env import env_int, env_str

from .environment import DATA_DIR, ENVIRONMENT
from .uploads import IMPORT_SWEEP_SECONDS

REDIS_URL = env_str("REDIS_URL", "")

# How long Redis waits before handing an unacknowledged task of a dead worker
# to another one. Well above the longest task; the periodic sweep covers the gap.
CELERY_VISIBILITY_TIMEOUT = env_int("OPENSYNTH_CELERY_VISIBILITY_TIMEOUT", 3600, minimum=10)

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    # kombu's filesystem transport: an embedded broker that needs nothing installed,
    # shared by the web process and the worker started by `make run`.
    _broker_dir = DATA_DIR / "broker"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcasts (worker control, e.g. purge) would otherwise land in ./control of the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # Look for new messages every 0.1 s instead of every second: the web process and the
        # worker share this folder, and a burst (loading the demo) should drain in seconds.
        "polling_interval": 0.1,
    }

# Results live in our own tables, not in a Celery result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A reviewer's save must not hang when the broker is down: publishing gives up
# quickly, the data is already committed and the periodic sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

# Live analyses (analysis/recompute/protocol.py). The sweep re-queues analyses whose result is
# older than their data: work lost to a broker restart, a dead worker or a failed publish.
RECOMPUTE_SWEEP_SECONDS = env_int("OPENSYNTH_RECOMPUTE_SWEEP_SECONDS", 30, minimum=1)
# An attempt younger than this is taken to be still running, and the sweep leaves it alone.
# Recomputations take well under a second; with the 30 s sweep an attempt lost with a killed
# worker is picked up again within 90 s, inside the 2 minutes promised in README "Reliability".
RECOMPUTE_STALL_SECONDS = env_int("OPENSYNTH_RECOMPUTE_STALL_SECONDS", 60, minimum=0)
# Attempts at one data version before it is marked failed (stops a redelivery loop after OOM kills).
RECOMPUTE_MAX_ATTEMPTS = env_int("OPENSYNTH_RECOMPUTE_MAX_ATTEMPTS", 5, minimum=1)
CELERY_BEAT_SCHEDULE["analysis-sweep-stale"] = {
    "task": "analysis.sweep_stale_analyses",
    "schedule": float(RECOMPUTE_SWEEP_SECONDS),
}
# Tests only: slows every recomputation so a test can kill a worker in the middle of one.
# Not read outside the test environment, so setting it in production is refused as unknown.
RECOMPUTE_TEST_DELAY_MS = (
    env_int("OPENSYNTH_TEST_TASK_DELAY_MS", 0, minimum=0) if ENVIRONMENT == "test" else 0
)
# Tests only: every recomputation raises ZeroDivisionError with this message (a deterministic bug).
RECOMPUTE_TEST_FAULT = env_str("OPENSYNTH_TEST_RECOMPUTE_FAULT", "") if ENVIRONMENT == "test" else ""
# Import jobs whose worker stopped or whose task was lost get a new one (reviews/services/import_jobs.py).
CELERY_BEAT_SCHEDULE["reviews-requeue-stalled-imports"] = {
    "task": "reviews.requeue_stalled_imports",
    "schedule": float(IMPORT_SWEEP_SECONDS),
}
# Stored files of failed imports past their time, files of deleted imports, stale upload temp files.
CELERY_BEAT_SCHEDULE["reviews-sweep-import-files"] = {
    "task": "reviews.sweep_import_files",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

"""The environment of every test process, set before Django reads its settings.

pytest loads this module as a plugin (``-p tests.environment`` in pyproject.toml), which imports it
before pytest-django imports ``config.settings``; a conftest would come too late. So a bare
``pytest`` runs with the test settings, and each pytest-xdist worker (gw0, gw1, …) gets parts of
its own where the tests use real services:

- PostgreSQL: pytest-django already gives each worker its own ``test_<name>_gw<n>`` database, and
  ``tests.workers.test_database_url`` hands that one to the worker processes a test starts.
- Redis: worker ``gw<n>`` uses database ``<base> - n`` of REDIS_URL (CI: 15, 14, 13, …). In one
  database two runs' Celery workers would take each other's tasks, ``app.control.purge()`` would
  throw away the other's messages and queue counts and recompute marks would mix.
- OPENSYNTH_DATA_DIR (uploads, the file broker, the beat schedule): a subfolder per worker; when it
  is not set, a temporary folder removed at the end, so no test writes into the ``var/`` of
  ``make run`` (whose worker would run the tasks that tests publish to its file broker).
"""

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

os.environ["OPENSYNTH_ENV"] = "test"

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … under xdist, else ""
WORKER_INDEX = int(WORKER.removeprefix("gw")) if WORKER.startswith("gw") else 0


def redis_url_for_worker(url: str, index: int) -> str:
    """``url`` with database ``<its database> - index``: one Redis database per xdist worker."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base - index
    if database < 0:
        raise pytest.UsageError(
            f"REDIS_URL={url} leaves no Redis database for xdist worker {index}: each worker takes "
            f"database {base} minus its number, so give a higher database (CI uses 15) or fewer workers."
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


if os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], WORKER_INDEX)

_made_data_dir: Path | None = None
if os.environ.get("OPENSYNTH_DATA_DIR"):
    if WORKER:
        os.environ["OPENSYNTH_DATA_DIR"] = str(Path(os.environ["OPENSYNTH_DATA_DIR"]) / WORKER)
else:
    _made_data_dir = Path(tempfile.mkdtemp(prefix=f"opensynth-tests-{WORKER or 'main'}-"))
    os.environ["OPENSYNTH_DATA_DIR"] = str(_made_data_dir)


def pytest_configure(config):
    """In the main process of ``-n N``: refuse too few Redis databases before any worker starts.

    Otherwise the workers that cannot start are replaced again and again and the run ends with
    "no tests ran" (exit code 5) instead of this reason.
    """
    workers = (
        len(getattr(config.option, "tx", None) or []) if getattr(config.option, "dist", "no") != "no" else 0
    )
    if not WORKER and workers and os.environ.get("REDIS_URL"):
        redis_url_for_worker(os.environ["REDIS_URL"], workers - 1)


def pytest_unconfigure(config):
    if _made_data_dir is not None:
        shutil.rmtree(_made_data_dir, ignore_errors=True)

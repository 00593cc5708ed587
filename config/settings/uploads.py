"""Uploads: where they go and how large they may be."""

from config.env import env_int

from .environment import DATA_DIR, ENVIRONMENT

MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Form fields and JSON bodies are bounded for every page and API.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OPENSYNTH_MAX_REQUEST_BYTES", 5 * 1024 * 1024, minimum=1024)
# Files (reference exports, patient-level data) are bounded separately and refused past this size.
MAX_UPLOAD_BYTES = env_int("OPENSYNTH_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1024)
# Records one reference file may hold; a larger file is refused whole, with a message saying to split it.
MAX_IMPORT_RECORDS = env_int("OPENSYNTH_MAX_IMPORT_RECORDS", 200_000, minimum=1)

# Uploads larger than Django's in-memory threshold stream to files here, under the data folder,
# where the periodic sweep (reviews.sweep_import_files) deletes the ones a killed process left.
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "upload-tmp"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
# A temporary upload file older than this belongs to no running request.
UPLOAD_TEMP_MAX_HOURS = env_int("OPENSYNTH_UPLOAD_TEMP_MAX_HOURS", 6, minimum=1)
# The stored file of a failed import is kept this long (to look into why it failed), then deleted.
IMPORT_FAILED_FILE_DAYS = env_int("OPENSYNTH_IMPORT_FAILED_FILE_DAYS", 14, minimum=0)

# Import jobs (reviews/services/import_jobs.py): a running job stamps its heartbeat this often;
# one whose stamp is older than IMPORT_STALL_SECONDS lost its worker and is restarted by the
# sweep (every IMPORT_SWEEP_SECONDS), at most IMPORT_MAX_ATTEMPTS runs in all, then failed.
IMPORT_HEARTBEAT_SECONDS = env_int("OPENSYNTH_IMPORT_HEARTBEAT_SECONDS", 10, minimum=1)
IMPORT_STALL_SECONDS = env_int("OPENSYNTH_IMPORT_STALL_SECONDS", 60, minimum=2)
IMPORT_SWEEP_SECONDS = env_int("OPENSYNTH_IMPORT_SWEEP_SECONDS", 30, minimum=1)
IMPORT_MAX_ATTEMPTS = env_int("OPENSYNTH_IMPORT_MAX_ATTEMPTS", 3, minimum=1)
# Tests only: a pause after each batch of inserted records, so a test can kill a worker mid-import.
IMPORT_TEST_BATCH_DELAY_MS = (
    env_int("OPENSYNTH_TEST_IMPORT_DELAY_MS", 0, minimum=0) if ENVIRONMENT == "test" else 0
)

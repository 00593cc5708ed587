"""Uploads: where they go and how large they may be."""

from config.env import env_int

from .environment import DATA_DIR

MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Form fields and JSON bodies are bounded for every page and API.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OPENSYNTH_MAX_REQUEST_BYTES", 5 * 1024 * 1024, minimum=1024)
# Files (reference exports, patient-level data) are bounded separately and refused past this size.
MAX_UPLOAD_BYTES = env_int("OPENSYNTH_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1024)
# Records one reference file may hold; a larger file is refused whole, with a message saying to split it.
MAX_IMPORT_RECORDS = env_int("OPENSYNTH_MAX_IMPORT_RECORDS", 200_000, minimum=1)

"""Helpers for the tests of reference imports and duplicates: files, uploads, running a job."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews import services
from reviews.models import SourceImport, SourceKind
from reviews.services import imports as import_services

FIXTURES = Path(__file__).parent / "importing" / "fixtures"


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    """A fixture file (or the given bytes) as a browser would upload it."""
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def ris(*records: dict) -> bytes:
    """A RIS file with one record per dict (keys: title, authors, year, doi, pmid, abstract)."""
    lines = []
    for record in records:
        lines.append("TY  - JOUR")
        lines.append(f"TI  - {record.get('title', '')}")
        for author in record.get("authors", []):
            lines.append(f"AU  - {author}")
        for tag, key in (("PY", "year"), ("DO", "doi"), ("AN", "pmid"), ("AB", "abstract")):
            if record.get(key):
                lines.append(f"{tag}  - {record[key]}")
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines).encode()


def import_now(review, user, name: str, content: bytes | None = None, **kwargs) -> SourceImport:
    """Import a file through the services as an upload does, running the job in this process."""
    source_import = import_services.import_create(
        review=review,
        user=user,
        file=upload(name, content),
        source_name=kwargs.pop("source_name", "MEDLINE"),
        source_kind=kwargs.pop("source_kind", SourceKind.DATABASE),
        queue=False,
        **kwargs,
    )
    services.import_run(import_id=source_import.pk)
    source_import.refresh_from_db()
    return source_import

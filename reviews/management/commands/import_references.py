"""Check a reference file, or import it into a review exactly as an upload would.

python manage.py import_references FILE [--review ID] [--dry-run] [--format json]
    [--source-name NAME] [--source-kind KIND] [--user USERNAME]
"""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from reviews import services
from reviews.models import Review, Role, SourceImport, SourceKind
from reviews.services import imports as import_services


class Command(BaseCommand):
    help = (
        "Read a reference file (RIS, PubMed MEDLINE/nbib, BibTeX, EndNote XML or CSV; the format is told "
        "from the content) and print its record count and per-record errors with line numbers. With "
        "--review, import it into that review through the same service as an upload."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the reference file")
        parser.add_argument("--review", type=int, help="import into the review with this id")
        parser.add_argument(
            "--dry-run", action="store_true", help="check only: with --review, also count duplicates"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text", help="output format")
        parser.add_argument("--source-name", help="the source, e.g. 'Embase' (default: the file name)")
        parser.add_argument(
            "--source-kind",
            choices=SourceKind.values,
            default=SourceKind.DATABASE,
            help="the source's kind, as PRISMA 2020 counts it",
        )
        parser.add_argument("--user", help="username of the importer (default: the review's first owner)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        size = path.stat().st_size
        if size > settings.MAX_UPLOAD_BYTES:
            raise CommandError(
                f"{path.name} is {size / 1024 / 1024:.1f} MB; files up to "
                f"{settings.MAX_UPLOAD_BYTES / 1024 / 1024:.0f} MB can be imported (OPENSYNTH_MAX_UPLOAD_BYTES)."
            )
        review = self._review(options["review"]) if options["review"] else None
        if review is None or options["dry_run"]:
            report = self._check(path, review)
        else:
            report = self._import(path, review, options)
        self._print(report, options["format"])
        if report.get("failure"):
            raise CommandError(report["failure"])

    def _review(self, review_id: int) -> Review:
        try:
            return Review.objects.get(pk=review_id)
        except Review.DoesNotExist:
            raise CommandError(f"No review with id {review_id}.") from None

    def _user(self, review: Review, username: str | None):
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            if not review.memberships.filter(user=user, role__in=[Role.OWNER, Role.REVIEWER]).exists():
                raise CommandError(f"{username} is not an owner or reviewer of review {review.pk}.")
            return user
        first_owner = review.memberships.filter(role=Role.OWNER).order_by("created_at", "pk").first()
        if first_owner is None:
            raise CommandError(f"Review {review.pk} has no owner; name the importer with --user.")
        return first_owner.user

    def _check(self, path: Path, review: Review | None) -> dict:
        plan = services.import_plan(review=review, path_or_bytes=path, file_name=path.name)
        report = self._parse_report(path, plan.result)
        if review is not None and not plan.failure:
            report["duplicates_found"] = plan.duplicates_found
        report["failure"] = plan.failure
        return report

    def _import(self, path: Path, review: Review, options) -> dict:
        user = self._user(review, options["user"])
        try:
            with path.open("rb") as handle:
                created = import_services.import_create(
                    review=review,
                    user=user,
                    file=File(handle, name=path.name),
                    file_name=path.name,
                    source_name=options["source_name"] or path.name,
                    source_kind=options["source_kind"],
                    queue=False,
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        # The job runs here, synchronously, as a worker would run it.
        services.import_run(import_id=created.pk)
        done = SourceImport.objects.get(pk=created.pk)
        return {
            "file": path.name,
            "format": done.file_format,
            "records": done.records_parsed,
            "errors": done.errors,
            "warnings": done.warnings,
            "import_id": done.pk,
            "status": done.status,
            "imported": done.records_imported,
            "duplicates_found": done.duplicates_found,
            "failure": done.failure,
        }

    @staticmethod
    def _parse_report(path: Path, result) -> dict:
        return {
            "file": path.name,
            "format": result.format,
            "records": len(result.records),
            "errors": [{"line": e.line, "message": e.message} for e in result.errors],
            "warnings": [{"line": w.line, "message": w.message} for w in result.warnings],
        }

    def _print(self, report: dict, output: str) -> None:
        if output == "json":
            self.stdout.write(json.dumps({k: v for k, v in report.items() if k != "failure" or v}, indent=2))
            return
        self.stdout.write(f"{report['file']}: {report['format']}, {report['records']} records")
        for error in report["errors"]:
            where = f"line {error['line']}: " if error["line"] else ""
            self.stdout.write(f"  error: {where}{error['message']}")
        for warning in report["warnings"]:
            where = f"line {warning['line']}: " if warning["line"] else ""
            self.stdout.write(f"  warning: {where}{warning['message']}")
        if "imported" in report:
            self.stdout.write(
                f"import {report['import_id']}: {report['status']}, {report['imported']} records imported, "
                f"{report['duplicates_found']} duplicate candidates found"
            )
        elif "duplicates_found" in report:
            self.stdout.write(
                f"dry run: nothing imported; {report['duplicates_found']} duplicate candidates would be found"
            )

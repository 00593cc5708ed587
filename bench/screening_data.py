"""A review in mid-screening for the screening and PRISMA benchmarks, in a scratch PostgreSQL database.

Not a benchmark itself (bench/run_all.py runs bench_*.py): bench_screening.py and bench_prisma.py use it.
``scratch_database()`` creates ``opensynth_bench_<pid>`` on the DATABASE_URL server, migrates it in a child
process and drops it afterwards. ``build_review()`` runs inside Django (a child process pointed at that
database) and writes the records with COPY: titles and abstracts from ``$SHARED_DIR/screening/*.csv``
repeated with variants (synthetic text when SHARED_DIR is unset), four sources, 10 reviewers screening in
pairs, and the statuses of a review about half-way through title/abstract screening.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"
REVIEWERS = 10


def postgres_url() -> str | None:
    """DATABASE_URL when it is PostgreSQL, else None (the benchmarks need PostgreSQL)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def child_env(url: str, data_dir: str) -> dict:
    """The environment of a Django child process on the scratch database (no DEBUG: no query log)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OPENSYNTH_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        {
            "DATABASE_URL": url,
            "OPENSYNTH_ENV": "development",
            "OPENSYNTH_DEBUG": "false",
            "OPENSYNTH_DATA_DIR": data_dir,
            "OPENSYNTH_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@contextlib.contextmanager
def scratch_database(url: str, data_dir: str):
    """Create, migrate, yield and finally drop ``opensynth_bench_<pid>`` on the server of ``url``."""
    import psycopg

    name = f"opensynth_bench_{os.getpid()}"
    server, _, _ = url.rpartition("/")
    bench_url = f"{server}/{name}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=child_env(bench_url, data_dir),
            check=True,
            cwd=ROOT,
        )
        yield bench_url
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run_child(url: str, data_dir: str, script: Path, *args: str, timeout: float = 1800) -> dict:
    """Run ``script args`` as a Django child process on ``url``; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, str(script), *args],
        env=child_env(url, data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# Texts -------------------------------------------------------------------------------------------------

SYNTHETIC_WORDS = (
    "randomised controlled trial adults children placebo efficacy safety cohort outcome mortality "
    "interleukin remission therapy dose weeks months follow-up hospital primary care intervention "
    "comparator systematic review meta-analysis patients women men elderly vaccine infection risk "
    "blood pressure diabetes migraine depression asthma cancer surgery pain quality of life"
).split()


def base_texts(limit: int = 20_000) -> list[tuple[str, str, list[str], int | None]]:
    """(title, abstract, authors, year) from the shared screening sets, or synthetic ones without them."""
    shared = os.environ.get("SHARED_DIR")
    texts = []
    if shared:
        csv.field_size_limit(10_000_000)
        for path in sorted((Path(shared) / "screening").glob("*.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    title = (row.get("title") or "").strip()
                    if not title:
                        continue
                    year = row.get("year") or ""
                    authors = [a.strip() for a in (row.get("authors") or "").split(";") if a.strip()]
                    texts.append(
                        (
                            title,
                            (row.get("abstract") or "").strip(),
                            authors[:20],
                            int(year) if year.isdigit() else None,
                        )
                    )
                    if len(texts) >= limit:
                        return texts
    if texts:
        return texts
    rng = random.Random(7)
    for i in range(2_000):
        title = " ".join(rng.choice(SYNTHETIC_WORDS) for _ in range(12)).capitalize()
        abstract = " ".join(rng.choice(SYNTHETIC_WORDS) for _ in range(220)).capitalize() + "."
        texts.append((title, abstract, [f"Author{i} A", "Second B"], 1990 + i % 35))
    return texts


# The review -------------------------------------------------------------------------------------------

# (source name, kind, share of the records)
SOURCES = [
    ("MEDLINE (Ovid)", "database", 0.45),
    ("Embase", "database", 0.35),
    ("ClinicalTrials.gov", "register", 0.10),
    ("Citation searching", "citation_search", 0.10),
]


def _plan(position: int, n: int) -> tuple[str, str]:
    """(status, screening history) of the record at ``position``: a review half-way through title/abstract.

    History: "" none, "one" one decision waiting for the second, "ta_ex", "ta_in", "ta_conflict",
    then full-text histories "ft_in", "ft_ex", "ft_nr", "ft_conflict" (title/abstract included first).
    """
    if position % 12 == 5:
        return "duplicate", ""
    share = position / n
    if share < 0.45:
        slot = position % 100
        if slot < 2:
            return "ta_conflict", "ta_conflict"
        if slot < 80:
            return "ta_excluded", "ta_ex"
        if slot < 88:
            return "full_text", "ta_in"
        if slot < 89:
            return "ft_conflict", "ft_conflict"
        if slot < 90:
            return "not_retrieved", "ft_nr"
        if slot < 97:
            return "ft_excluded", "ft_ex"
        return "included", "ft_in"
    if share < 0.50:
        return "title_abstract", "one"
    return "title_abstract", ""


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build_review(*, records: int, title: str, reviewers: int = REVIEWERS, seed: int = 1) -> dict:
    """Create (inside Django, on PostgreSQL) a review with ``records`` records in mid-screening.

    Users ``bench_owner`` and ``bench_reviewer01``… are created once and reused by later reviews.
    Returns {"review": id, "reviewers": [usernames], "owner": username}.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from reviews import services
    from reviews.models import Record, Role, SourceImport
    from reviews.services.screening_progress import progress_recount

    User = get_user_model()
    owner = User.objects.filter(username="bench_owner").first() or User.objects.create_user(
        "bench_owner", password=PASSWORD
    )
    names = [f"bench_reviewer{i + 1:02d}" for i in range(reviewers)]
    people = []
    for name in names:
        user = User.objects.filter(username=name).first() or User.objects.create_user(name, password=PASSWORD)
        people.append(user)
    review = services.review_create(owner=owner, title=title)
    for user in people:
        services.member_invite(
            review=review, invited_by=owner, user_identifier=user.username, role=Role.REVIEWER
        )
    from reviews.services import screening as screening_services

    reasons = screening_services.exclusion_reasons_add_defaults(review=review)
    imports = [
        SourceImport.objects.create(
            review=review,
            source_name=name,
            source_kind=kind,
            file_name=f"{name}.ris",
            status=SourceImport.Status.DONE,
            created_by=owner,
        )
        for name, kind, _ in SOURCES
    ]
    texts = base_texts()
    rng = random.Random(seed)
    vocabulary = sorted({word for text in texts[:2000] for word in text[0].split()})
    now = datetime.now(UTC)
    bounds, total = [], 0.0
    for (_, _, share), source in zip(SOURCES, imports, strict=True):
        total += share
        bounds.append((round(total * records), source.pk))

    def source_of(position: int) -> int:
        return next(pk for bound, pk in bounds if position < bound)

    plans = [_plan(p, records) for p in range(records)]
    columns = [
        "review_id", "source_import_id", "source_line", "title", "abstract", "authors", "year", "journal",
        "volume", "issue", "pages", "doi", "pmid", "keywords", "url", "reference_type", "normalised_title",
        "status", "created_at",
    ]  # fmt: skip

    def record_rows():
        for position, (status, _) in enumerate(plans):
            title_, abstract, authors, year = texts[position % len(texts)]
            if position >= len(texts):
                # Another work with realistic text: about a third of the title words replaced.
                title_ = " ".join(
                    w if rng.random() < 0.66 else rng.choice(vocabulary) for w in title_.split()
                )
            yield (
                review.pk, source_of(position), position + 1, title_, abstract, json.dumps(authors), year, "",
                "", "", "", "", "", "[]", "", "JOUR", title_.lower(), status, now,
            )  # fmt: skip

    with transaction.atomic(), connection.cursor() as cursor:
        _copy(cursor, Record._meta.db_table, columns, record_rows())
        ids = list(Record.objects.filter(review=review).order_by("id").values_list("id", flat=True))
        full_text_reason = [r.pk for r in reasons]
        decision_columns = [
            "record_id", "stage", "reviewer_id", "decision", "exclusion_reason_id", "note", "created_at",
            "updated_at",
        ]  # fmt: skip
        pks = [user.pk for user in people]

        def decision_rows():
            for position, (record_id, (_, history)) in enumerate(zip(ids, plans, strict=True)):
                if not history:
                    continue
                a = pks[position % reviewers]
                b = pks[(position + 1 + (position // reviewers) % (reviewers - 1)) % reviewers]
                ta = {
                    "one": [("include", None)],
                    "ta_ex": [("exclude", None), ("exclude", None)],
                    "ta_conflict": [("include", None), ("exclude", None)],
                }.get(history, [("include", None), ("maybe", None)])
                for who, (decision, reason) in zip((a, b), ta, strict=False):
                    yield record_id, "title_abstract", who, decision, reason, "", now, now
                reason = full_text_reason[position % len(full_text_reason)]
                ft = {
                    "ft_in": [("include", None), ("include", None)],
                    "ft_ex": [("exclude", reason), ("exclude", reason)],
                    "ft_nr": [("not_retrieved", None), ("not_retrieved", None)],
                    "ft_conflict": [("include", None), ("exclude", reason)],
                }.get(history, [])
                for who, (decision, reason_id) in zip((a, b), ft, strict=False):
                    yield record_id, "full_text", who, decision, reason_id, "", now, now

        from reviews.models import ScreeningDecision

        _copy(cursor, ScreeningDecision._meta.db_table, decision_columns, decision_rows())
    # The decisions went in by COPY: count every reviewer's progress from them, as a migration would.
    progress_recount(review=review)
    return {"review": review.pk, "reviewers": names, "owner": owner.username}


def vacuum_analyze() -> None:
    """What autovacuum would have done to a table written a while ago: visibility map and statistics."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

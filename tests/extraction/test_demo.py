"""The demo review's extraction: dat.bcg, entered once, loaded again without change."""

from django.core.management import call_command

from extraction.demo import BCG_TRIALS, OUTCOME
from extraction.models import ChangeLog, Outcome, Study
from extraction.selectors.analysis_input import analysis_rows
from reviews.models import Review


def test_load_demo_fills_dat_bcg_and_is_idempotent(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    review = Review.objects.get()
    outcome = Outcome.objects.get(review=review, name=OUTCOME)
    rows = {row["study"]: row for row in analysis_rows(review_id=review.pk, outcome_id=outcome.pk)}
    assert len(rows) == 13
    for _, author, year, tpos, tneg, cpos, cneg, ablat, alloc in BCG_TRIALS:
        row = rows[f"{author} {year}"]
        assert (row["ai"], row["n1i"], row["ci"], row["n2i"]) == (tpos, tpos + tneg, cpos, cpos + cneg)
        assert (row["experimental"], row["control"]) == ("Vaccinated", "Not vaccinated")
        assert (row["latitude"], row["allocation"], row["year"]) == (ablat, alloc, year)
    version, changes = Review.objects.get().data_version, ChangeLog.objects.count()

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Study.objects.filter(review=review).count() == 13
    assert Review.objects.get().data_version == version
    assert ChangeLog.objects.count() == changes


def test_demo_studies_come_with_their_included_reports(db):
    """References, PRISMA and extraction of the demo tell one story: 13 reports, 13 studies."""
    from reviews.selectors.prisma import prisma_counts

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    review = Review.objects.get()
    studies = Study.objects.filter(review=review).prefetch_related("records")
    assert studies.count() == 13
    for study in studies:
        (report,) = study.records.all()
        assert report.title.startswith(study.label)
    counts = prisma_counts(review=review)
    assert review.records.count() == 13
    assert (counts["reports_included"], counts["other"]["identified"]) == (13, 13)

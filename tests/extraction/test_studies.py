"""Studies come from records included at full text, or are added by hand; several reports, one study."""

from django.urls import reverse

from extraction import services
from extraction.models import Study
from reviews.models import Record, RecordStatus


def make_record(review, title, status=RecordStatus.INCLUDED, authors=("Baer, M. R.",), year=2008):
    return Record.objects.create(review=review, title=title, authors=list(authors), year=year, status=status)


def test_sync_makes_one_study_per_newly_included_record(review, reviewer):
    first = make_record(review, "IL-2 after remission")
    make_record(review, "Excluded trial", status=RecordStatus.FT_EXCLUDED)
    created = services.studies_sync_from_included_records(review=review, user=reviewer)
    assert [(s.label, list(s.records.all())) for s in created] == [("Baer 2008", [first])]
    assert services.studies_sync_from_included_records(review=review, user=reviewer) == []
    make_record(review, "Kolitz trial", authors=["Kolitz, J."], year=2014)
    assert [s.label for s in services.studies_sync_from_included_records(review=review, user=reviewer)] == [
        "Kolitz 2014"
    ]


def test_a_second_report_is_linked_to_an_existing_study(review, reviewer):
    main = make_record(review, "IL-2 after remission")
    follow_up = make_record(review, "IL-2 after remission: 10-year follow-up", year=2012)
    services.studies_sync_from_included_records(review=review, user=reviewer)
    study = Study.objects.get(records=main)
    services.study_link_record(study=study, record_id=follow_up.pk, user=reviewer)
    assert set(study.records.all()) == {main, follow_up}
    assert Study.objects.filter(review=review).count() == 1  # the follow-up's own empty study went


def test_a_record_of_another_review_cannot_be_linked(review, other_review, reviewer, client):
    foreign = make_record(other_review, "Someone else's trial")
    study = services.study_create(review=review, user=reviewer, label="By hand 2020")
    client.force_login(reviewer)
    response = client.post(
        reverse("extraction:study_link_record", args=[review.pk, study.pk]),
        {"record_id": foreign.pk},
        follow=True,
    )
    assert "No such record in this review" in response.content.decode()
    assert not study.records.exists()


def test_studies_page_lists_statuses_and_adds_by_hand(client, review, reviewer, study):
    client.force_login(reviewer)
    response = client.post(reverse("extraction:study_add", args=[review.pk]), {"label": "Kolitz 2014"})
    added = Study.objects.get(label="Kolitz 2014")
    assert response["Location"] == reverse("extraction:study", args=[review.pk, added.pk])
    page = client.get(reverse("extraction:studies", args=[review.pk])).content.decode()
    assert "Baer 2008" in page and "Kolitz 2014" in page and "Not started" in page
    assert 'data-stage="extraction"' in page and 'aria-current="page"' in page

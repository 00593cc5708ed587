"""Duplicate detection within and across imports, and confirm / reject / unmerge with their log."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews import services
from reviews.models import DuplicateCandidate, DuplicateMergeLog, Record, RecordStatus
from tests.reviews.import_helpers import import_now, media_root, ris  # noqa: F401

pytestmark = pytest.mark.usefixtures("media_root")

Status = DuplicateCandidate.Status
BAER = {
    "title": "Interleukin-2 maintenance after first remission in AML",
    "authors": ["Baer, M. R."],
    "year": 2008,
}


def _record(review, title_start: str, source_import=None) -> Record:
    records = Record.objects.filter(review=review, title__startswith=title_start)
    if source_import is not None:
        records = records.filter(source_import=source_import)
    return records.get()


def _pairs(review):
    return {
        (c.record_a.title[:12], c.record_b.title[:12], c.reason)
        for c in DuplicateCandidate.objects.filter(review=review).select_related("record_a", "record_b")
    }


def test_duplicates_within_one_file_by_doi_pmid_and_title(review, reviewer):
    content = ris(
        {
            "title": "Alpha trial of interleukin-2",
            "authors": ["Smith, J."],
            "year": 2001,
            "doi": "10.1000/alpha",
        },
        {
            "title": "Alpha trial of IL-2 (conference)",
            "authors": ["Smith, J."],
            "year": 2001,
            "doi": "10.1000/ALPHA",
        },
        {"title": "Beta trial of interleukin-2", "authors": ["Jones, K."], "year": 2002, "pmid": "123456"},
        {
            "title": "Beta: a trial of interleukin",
            "authors": ["Jones, K."],
            "year": 2002,
            "pmid": "PMID: 123456",
        },
        {"title": "Gamma randomised trial of interleukin-2 in AML", "authors": ["Lee, A."], "year": 2003},
        {"title": "Gamma randomized trial of interleukin 2 in AML", "authors": ["Lee, A."], "year": 2004},
        {"title": "Gamma randomised trial of interleukin-2 in AML", "authors": ["Other, B."], "year": 2003},
    )
    done = import_now(review, reviewer, "seven.ris", content)
    assert done.duplicates_found == 3
    candidates = DuplicateCandidate.objects.filter(review=review).order_by("reason")
    assert sorted((c.reason, c.score == 1.0) for c in candidates) == [
        ("doi", True),
        ("pmid", True),
        ("title+year+author", False),
    ]
    near = candidates.get(reason="title+year+author")
    assert 0.9 < near.score < 1.0
    assert (near.record_a.year, near.record_b.year) == (2003, 2004)
    assert all(c.record_a_id < c.record_b_id and c.status == Status.PENDING for c in candidates)
    # Nothing leaves screening until a reviewer confirms.
    assert not Record.objects.filter(status=RecordStatus.DUPLICATE).exists()


def test_duplicates_across_imports_pair_the_new_record_with_the_existing_one(review, reviewer):
    first = import_now(
        review, reviewer, "medline.ris", ris(BAER, {"title": "Unrelated cohort of remission", "year": 1999})
    )
    second = import_now(
        review,
        reviewer,
        "embase.ris",
        ris({**BAER, "title": "Interleukin 2 maintenance after first remission in AML."}),
        source_name="Embase",
    )
    assert second.duplicates_found == 1
    candidate = DuplicateCandidate.objects.get(review=review)
    assert candidate.record_a.source_import == first and candidate.record_b.source_import == second
    assert candidate.reason == "title+year+author"


def test_other_reviews_records_are_never_candidates(review, reviewer, other_review, outsider):
    import_now(other_review, outsider, "a.ris", ris(BAER))
    assert import_now(review, reviewer, "a.ris", ris(BAER)).duplicates_found == 0
    assert not DuplicateCandidate.objects.filter(review=review).exists()


def test_a_record_already_removed_is_not_paired_again(review, reviewer):
    import_now(review, reviewer, "a.ris", ris(BAER, BAER))
    services.duplicate_confirm(candidate=DuplicateCandidate.objects.get(), user=reviewer)
    third = import_now(review, reviewer, "b.ris", ris(BAER))
    # Paired with the record kept, not with the one removed as its duplicate.
    assert third.duplicates_found == 1
    newest = DuplicateCandidate.objects.latest("pk")
    assert newest.record_a.status == RecordStatus.TITLE_ABSTRACT


@pytest.fixture
def pair(review, reviewer):
    import_now(review, reviewer, "a.ris", ris(BAER))
    import_now(review, reviewer, "b.ris", ris({**BAER, "doi": "10.1/x"}))
    return DuplicateCandidate.objects.get(review=review)


def test_confirm_removes_the_newer_record_from_screening_and_logs_it(pair, reviewer):
    services.duplicate_confirm(candidate=pair, user=reviewer)
    pair.refresh_from_db()
    kept, removed = Record.objects.get(pk=pair.record_a_id), Record.objects.get(pk=pair.record_b_id)
    assert pair.status == Status.CONFIRMED and pair.decided_by == reviewer and pair.decided_at
    assert removed.status == RecordStatus.DUPLICATE and removed.duplicate_of == kept
    assert kept.status == RecordStatus.TITLE_ABSTRACT and kept.duplicate_of is None
    log = DuplicateMergeLog.objects.get()
    assert (log.action, log.kept_record, log.removed_record, log.actor) == ("merge", kept, removed, reviewer)
    assert log.previous_status == RecordStatus.TITLE_ABSTRACT
    with pytest.raises(ValidationError):
        services.duplicate_confirm(candidate=pair, user=reviewer)


def test_unmerge_restores_the_status_the_record_had(pair, reviewer, owner):
    # The newer record had moved on (screened into full text) before anyone saw the pair.
    Record.objects.filter(pk=pair.record_b_id).update(status=RecordStatus.FULL_TEXT)
    services.duplicate_confirm(candidate=pair, user=reviewer)
    assert Record.objects.get(pk=pair.record_b_id).status == RecordStatus.DUPLICATE
    services.duplicate_unmerge(candidate=pair, user=owner)
    pair.refresh_from_db()
    removed = Record.objects.get(pk=pair.record_b_id)
    assert removed.status == RecordStatus.FULL_TEXT and removed.duplicate_of is None
    assert pair.status == Status.PENDING and pair.decided_by is None
    assert list(DuplicateMergeLog.objects.order_by("pk").values_list("action", "actor__username")) == [
        ("merge", reviewer.username),
        ("unmerge", owner.username),
    ]
    with pytest.raises(ValidationError):
        services.duplicate_unmerge(candidate=pair, user=owner)


def test_reject_keeps_both_records_and_can_be_overruled(pair, reviewer, owner):
    services.duplicate_reject(candidate=pair, user=reviewer)
    pair.refresh_from_db()
    assert pair.status == Status.REJECTED
    assert set(Record.objects.values_list("status", flat=True)) == {RecordStatus.TITLE_ABSTRACT}
    with pytest.raises(ValidationError):
        services.duplicate_reject(candidate=pair, user=reviewer)
    services.duplicate_confirm(candidate=pair, user=owner)
    assert Record.objects.get(pk=pair.record_b_id).status == RecordStatus.DUPLICATE
    assert list(DuplicateMergeLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "reject",
        "merge",
    ]


def test_three_copies_merge_into_one_and_unmerge_one_at_a_time(review, reviewer):
    import_now(review, reviewer, "a.ris", ris(BAER, BAER, BAER))
    first, second, third = Record.objects.order_by("pk")
    pairs = {(c.record_a_id, c.record_b_id): c for c in DuplicateCandidate.objects.all()}
    assert set(pairs) == {(first.pk, second.pk), (first.pk, third.pk), (second.pk, third.pk)}
    services.duplicate_confirm(candidate=pairs[(first.pk, second.pk)], user=reviewer)
    # second is gone already: confirming second~third removes third into the record kept (first).
    services.duplicate_confirm(candidate=pairs[(second.pk, third.pk)], user=reviewer)
    services.duplicate_confirm(candidate=pairs[(first.pk, third.pk)], user=reviewer)
    statuses = dict(Record.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "title_abstract", second.pk: "duplicate", third.pk: "duplicate"}
    assert Record.objects.get(pk=third.pk).duplicate_of_id == first.pk
    assert Record.objects.filter(status=RecordStatus.DUPLICATE).count() == 2  # PRISMA: duplicates removed

    services.duplicate_unmerge(candidate=pairs[(first.pk, second.pk)], user=reviewer)
    assert Record.objects.get(pk=second.pk).status == RecordStatus.TITLE_ABSTRACT
    assert Record.objects.get(pk=third.pk).status == RecordStatus.DUPLICATE


def test_duplicates_page_shows_pairs_side_by_side_with_differences(client, pair, reviewer, review):
    client.force_login(reviewer)
    body = client.get(reverse("reviews:duplicates", kwargs={"review_id": review.pk})).content.decode()
    assert f'id="candidate-{pair.pk}"' in body
    assert "Same DOI" not in body  # the reason of this pair is the title
    assert "Near-identical title" in body and f"score {pair.score:.2f}" in body
    assert 'class="differs"' in body  # the DOI is on one side only
    assert "Confirm duplicate" in body and "Not duplicate" in body


def test_duplicate_buttons_answer_htmx_with_the_new_card(client, pair, reviewer, review):
    client.force_login(reviewer)
    kwargs = {"review_id": review.pk, "candidate_id": pair.pk}
    response = client.post(reverse("reviews:duplicate_confirm", kwargs=kwargs), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-status="confirmed"' in body and "Unmerge" in body
    again = client.post(reverse("reviews:duplicate_confirm", kwargs=kwargs), HTTP_HX_REQUEST="true")
    assert "already merged" in again.content.decode()
    client.post(reverse("reviews:duplicate_unmerge", kwargs=kwargs), HTTP_HX_REQUEST="true")
    pair.refresh_from_db()
    assert pair.status == Status.PENDING


def test_viewer_sees_pairs_without_buttons(client, pair, viewer, review):
    client.force_login(viewer)
    body = client.get(reverse("reviews:duplicates", kwargs={"review_id": review.pk})).content.decode()
    assert f'id="candidate-{pair.pk}"' in body and "Confirm duplicate" not in body


def test_api_confirm_and_unmerge(api_client_for, pair, reviewer, review):
    api = api_client_for(reviewer)
    kwargs = {"review_id": review.pk, "candidate_id": pair.pk}
    body = api.post(reverse("api-duplicate-confirm", kwargs=kwargs)).json()
    assert body["status"] == "confirmed" and body["record_b"]["status"] == "duplicate"
    assert body["record_b"]["duplicate_of"] == body["record_a"]["id"]
    listed = api.get(
        reverse("api-duplicates", kwargs={"review_id": review.pk}), {"status": "confirmed"}
    ).json()
    assert [c["id"] for c in listed["results"]] == [pair.pk]
    assert api.post(reverse("api-duplicate-reject", kwargs=kwargs)).status_code == 409
    body = api.post(reverse("api-duplicate-unmerge", kwargs=kwargs)).json()
    assert body["status"] == "pending" and body["record_b"]["status"] == "title_abstract"

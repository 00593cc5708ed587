"""PRISMA 2020: every box against a review built in the test; live page, downloads, counts entered by hand."""

import pytest
from django.urls import reverse

from reviews.models import Adjudication, Decision, RecordStatus, ScreeningDecision, SourceKind, Stage
from reviews.selectors.prisma import prisma_counts
from reviews.services import screening as services
from tests.reviews import screening_support
from tests.reviews.screening_support import add_import, add_records

second_reviewer = screening_support.second_reviewer
S = RecordStatus


def _excluded(records, reviewers, reason, adjudicated_reason=None, owner=None):
    """Full-text exclusions with their decisions: agreed on ``reason``, or adjudicated to another."""
    rows = []
    for record in records:
        for n, user in enumerate(reviewers):
            chosen = reason if adjudicated_reason is None or n == 0 else adjudicated_reason
            rows.append(
                ScreeningDecision(
                    record=record,
                    stage=Stage.FULL_TEXT,
                    reviewer=user,
                    decision="exclude",
                    exclusion_reason=chosen,
                )
            )
        if adjudicated_reason is not None:
            Adjudication.objects.create(
                record=record,
                stage=Stage.FULL_TEXT,
                decision="exclude",
                exclusion_reason=adjudicated_reason,
                decided_by=owner,
            )
    ScreeningDecision.objects.bulk_create(rows)


@pytest.fixture
def flow(review, owner, reviewer, second_reviewer):
    """A review with records at every place of the flow, from five sources of both columns."""
    reasons = {r.label: r for r in services.exclusion_reasons_add_defaults(review=review)}
    medline = add_import(review, owner, "MEDLINE", SourceKind.DATABASE)
    embase = add_import(review, owner, "Embase", SourceKind.DATABASE)
    trials = add_import(review, owner, "ClinicalTrials.gov", SourceKind.REGISTER)
    citations = add_import(review, owner, "Citation searching", SourceKind.CITATION_SEARCH)
    made = {}

    def put(source, status, n, label):
        made[label] = add_records(review, n, source=source, status=status, prefix=label)

    # Databases and registers: 10 MEDLINE, 6 Embase, 2 trial registrations = 18.
    put(medline, S.DUPLICATE, 2, "med-dup")
    put(medline, S.TITLE_ABSTRACT, 2, "med-ta")
    put(medline, S.TA_EXCLUDED, 3, "med-tax")
    put(medline, S.FT_EXCLUDED, 2, "med-ftx")
    put(medline, S.INCLUDED, 1, "med-inc")
    put(embase, S.DUPLICATE, 1, "emb-dup")
    put(embase, S.TA_CONFLICT, 1, "emb-tac")
    put(embase, S.TA_EXCLUDED, 2, "emb-tax")
    put(embase, S.NOT_RETRIEVED, 1, "emb-nr")
    put(embase, S.FULL_TEXT, 1, "emb-ft")
    put(trials, S.FT_EXCLUDED, 1, "reg-ftx")
    put(trials, S.INCLUDED, 1, "reg-inc")
    # Other methods: 4 from citation searching and 1 added without an import = 5.
    put(citations, S.DUPLICATE, 1, "cit-dup")
    put(citations, S.TA_EXCLUDED, 1, "cit-tax")
    put(citations, S.FT_EXCLUDED, 1, "cit-ftx")
    put(citations, S.INCLUDED, 1, "cit-inc")
    put(None, S.INCLUDED, 1, "hand-inc")
    pair = (reviewer, second_reviewer)
    _excluded(made["med-ftx"], pair, reasons["Wrong population"])
    _excluded(made["reg-ftx"], pair, reasons["Wrong population"], reasons["Wrong study design"], owner)
    _excluded(made["cit-ftx"], pair, reasons["Wrong outcome"])
    services.prisma_manual_counts_update(
        review=review,
        updated_by=owner,
        duplicates_removed_before_import=7,
        removed_by_automation=4,
        removed_other_reasons=2,
    )
    return review


EXPECTED = {
    "databases": {
        "identified": 31,
        "identified_imported": 18,
        "sources": [
            {"name": "ClinicalTrials.gov", "kind": "register", "records": 2},
            {"name": "Embase", "kind": "database", "records": 6},
            {"name": "MEDLINE", "kind": "database", "records": 10},
        ],
        "duplicates": 3,
        "screened": 15,
        "excluded": 5,
        "awaiting_screening": 3,
        "sought": 7,
        "not_retrieved": 1,
        "assessed": 6,
        "reports_excluded": 3,
        "exclusion_reasons": [
            {"reason": "Wrong population", "reports": 2},
            {"reason": "Wrong study design", "reports": 1},
        ],
        "awaiting_assessment": 1,
        "included": 2,
    },
    "other": {
        "identified": 5,
        "identified_imported": 5,
        "sources": [
            {"name": "Citation searching", "kind": "citation_search", "records": 4},
            {"name": "Records added without an import", "kind": "other", "records": 1},
        ],
        "duplicates": 1,
        "screened": 4,
        "excluded": 1,
        "awaiting_screening": 0,
        "sought": 3,
        "not_retrieved": 0,
        "assessed": 3,
        "reports_excluded": 1,
        "exclusion_reasons": [{"reason": "Wrong outcome", "reports": 1}],
        "awaiting_assessment": 0,
        "included": 2,
    },
    "removed_before_screening": {
        "duplicates": 10,
        "duplicates_found": 3,
        "duplicates_removed_before_import": 7,
        "removed_by_automation": 4,
        "removed_other_reasons": 2,
    },
    "entered_by_owner": {
        "duplicates_removed_before_import": 7,
        "removed_by_automation": 4,
        "removed_other_reasons": 2,
    },
    "reports_included": 4,
    "studies_included": 4,
}


def test_every_box_of_the_flow(flow):
    assert prisma_counts(review=flow) == {"review": flow.pk, **EXPECTED}
    owner_view = prisma_counts(review=flow, include_conflicts=True)
    assert owner_view["conflicts"] == {"title_abstract": 1, "full_text": 0}
    # The hook for the extraction app: several reports of one study.
    assert prisma_counts(review=flow, studies_included=3)["studies_included"] == 3


def test_the_arithmetic_of_the_diagram_holds(flow):
    counts = prisma_counts(review=flow)
    db, removed = counts["databases"], counts["removed_before_screening"]
    removed_total = (
        removed["duplicates"] + removed["removed_by_automation"] + removed["removed_other_reasons"]
    )
    assert db["identified"] - removed_total == db["screened"]
    assert db["screened"] - db["excluded"] - db["awaiting_screening"] == db["sought"]
    assert db["sought"] - db["not_retrieved"] == db["assessed"]
    assert db["assessed"] - db["reports_excluded"] - db["awaiting_assessment"] == db["included"]
    assert sum(r["reports"] for r in db["exclusion_reasons"]) == db["reports_excluded"]


@pytest.mark.parametrize("extra", [0, 500])
def test_counted_with_a_fixed_number_of_queries(flow, owner, django_assert_max_num_queries, extra):
    source = add_import(flow, owner, "Scopus", SourceKind.DATABASE)
    add_records(flow, extra, source=source, status=S.TA_EXCLUDED, prefix="Bulk")
    with django_assert_max_num_queries(4):
        counts = prisma_counts(review=flow, include_conflicts=True)
    assert counts["databases"]["excluded"] == 5 + extra


def test_a_decision_changes_the_live_diagram_and_the_api(
    client, api_client_for, flow, reviewer, second_reviewer
):
    review = flow
    client.force_login(reviewer)
    live = reverse("reviews:prisma_live", kwargs={"review_id": review.pk})
    html = client.get(live).content.decode()
    assert 'data-box="db-excluded">Records excluded (n = <span class="n">5</span>)' in html
    assert 'hx-trigger="every 3s"' in html
    record = review.records.filter(status=S.TITLE_ABSTRACT).first()
    for user in (reviewer, second_reviewer):
        services.record_decision(
            review=review,
            record_id=record.pk,
            reviewer=user,
            stage=Stage.TITLE_ABSTRACT,
            decision=Decision.EXCLUDE,
        )
    html = client.get(live).content.decode()
    assert 'data-box="db-excluded">Records excluded (n = <span class="n">6</span>)' in html
    body = api_client_for(reviewer).get(f"/api/reviews/{review.pk}/prisma/").json()
    assert body["databases"]["excluded"] == 6
    assert "conflicts" not in body


def test_page_downloads_and_counts_entered_by_the_owner(client, api_client_for, flow, owner, viewer):
    review = flow
    client.force_login(owner)
    page = client.get(reverse("reviews:prisma", kwargs={"review_id": review.pk})).content.decode()
    assert 'data-box="db-screened">Records screened (n = <span class="n">15</span>)' in page
    assert '<li data-reason="Wrong study design">Wrong study design (n = 1)</li>' in page
    assert 'name="removed_by_automation" value="4"' in page
    svg = client.get(reverse("reviews:prisma_download", kwargs={"review_id": review.pk, "fmt": "svg"}))
    assert svg["Content-Type"] == "image/svg+xml"
    assert 'filename="prisma-review-' in svg["Content-Disposition"]
    text = svg.content.decode()
    for phrase in (
        "Records screened (n = 15)",
        "Reports not retrieved (n = 1)",
        "Wrong study design (n = 1)",
        "Duplicate records (n = 10)",
        "Studies included in review (n = 4)",
    ):
        assert phrase in text, phrase
    png = client.get(reverse("reviews:prisma_download", kwargs={"review_id": review.pk, "fmt": "png"}))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")

    post = reverse("reviews:prisma_manual_counts", kwargs={"review_id": review.pk})
    fields = {"duplicates_removed_before_import": 9, "removed_by_automation": 0, "removed_other_reasons": 1}
    assert client.post(post, fields).status_code == 302
    assert prisma_counts(review=review)["removed_before_screening"]["duplicates"] == 12
    assert client.post(post, {**fields, "removed_by_automation": -1}).status_code == 400

    api = api_client_for(owner)
    url = f"/api/reviews/{review.pk}/prisma/manual-counts/"
    assert api.get(url).json() == fields
    assert (
        api.put(url, {**fields, "removed_other_reasons": 5}, format="json").json()["removed_other_reasons"]
        == 5
    )
    assert api.put(url, {**fields, "removed_other_reasons": -5}, format="json").status_code == 400
    assert api_client_for(viewer).put(url, fields, format="json").status_code == 403
    assert (
        api_client_for(viewer).get(f"/api/reviews/{review.pk}/prisma/").json()["databases"]["screened"] == 15
    )


def test_a_source_name_with_dollar_signs_is_drawn_as_plain_text(client, review, owner, viewer):
    """matplotlib would read ``$…$`` as math and fail; every member still gets the diagram."""
    name = r"Embase $\foo{$ export"
    source = add_import(review, owner, name, SourceKind.DATABASE)
    add_records(review, 3, source=source, status=S.TITLE_ABSTRACT)
    client.force_login(viewer)
    svg = client.get(reverse("reviews:prisma_download", kwargs={"review_id": review.pk, "fmt": "svg"}))
    assert svg.status_code == 200
    assert f"{name} (n = 3)".replace("&", "&amp;") in svg.content.decode()
    png = client.get(reverse("reviews:prisma_download", kwargs={"review_id": review.pk, "fmt": "png"}))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    download = client.get(f"/reviews/{review.pk}/downloads/prisma.svg")
    assert download.status_code == 200 and name in download.content.decode()

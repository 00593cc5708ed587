"""Proof of blind screening: reviewer B's every response is the same whatever reviewer A decided.

Reviewer A ("amira") includes, excludes, or has not decided record X at title/abstract and
report W at full text. Reviewer B ("rahul") then fetches every screening and PRISMA page and
endpoint, HTML and JSON; decides and undoes through the page (htmx) and the API. The bodies
are compared byte for byte after masking CSRF tokens (the only part that differs per render).
After B's own decision, the pending case and the conflict case must still look the same to B
(only a record resolved by agreement may show: it moves on, as it should).
"""

import pytest
from django.urls import reverse

from reviews.models import Decision, Record, RecordStatus, ScreeningDecision, Stage
from reviews.services import screening as services
from reviews.services.screening_progress import progress_recount
from tests.reviews import screening_support
from tests.reviews.screening_support import add_import, add_records, masked

second_reviewer = screening_support.second_reviewer
third_reviewer = screening_support.third_reviewer

A_STATES = {"undecided": None, "include": Decision.INCLUDE, "exclude": Decision.EXCLUDE}


@pytest.fixture
def blind_review(review, owner, reviewer, second_reviewer):
    """Title/abstract records X, Y, Z and full-text reports W, V, with reasons and highlight terms."""
    reasons = services.exclusion_reasons_add_defaults(review=review)
    services.screening_settings_update(review=review, include_terms="IL-2\nrandomi*", exclude_terms="mice")
    source = add_import(review, owner)
    x, y, z = add_records(review, 3, source=source, prefix="TA")
    w, v = add_records(review, 2, source=source, status=RecordStatus.FULL_TEXT, prefix="FT")
    add_records(review, 1, source=source, status=RecordStatus.TA_EXCLUDED, prefix="Old")
    return {"x": x, "w": w, "reason": reasons[0]}


def _pages(review_id):
    ta = {"review_id": review_id, "stage_slug": "title-abstract"}
    ft = {"review_id": review_id, "stage_slug": "full-text"}
    rid = {"review_id": review_id}
    return [
        reverse("reviews:screening", kwargs=rid),
        reverse("reviews:screening_stage", kwargs=ta),
        reverse("reviews:screening_stage", kwargs=ft),
        reverse("reviews:screening_card", kwargs=ta),
        reverse("reviews:screening_card", kwargs=ft),
        reverse("reviews:screening_conflicts", kwargs=rid),
        reverse("reviews:screening_agreement", kwargs=rid),
        reverse("reviews:screening_reasons", kwargs=rid),
        reverse("reviews:screening_terms", kwargs=rid),
        reverse("reviews:prisma", kwargs=rid),
        reverse("reviews:prisma_live", kwargs=rid),
        reverse("reviews:prisma_download", kwargs={**rid, "fmt": "svg"}),
        reverse("reviews:prisma_download", kwargs={**rid, "fmt": "png"}),
        # The references and duplicates lists show each record's status: a conflict must not show.
        reverse("reviews:references", kwargs=rid),
        reverse("reviews:references", kwargs=rid) + "?status=title_abstract",
        reverse("reviews:references", kwargs=rid) + "?status=full_text",
        reverse("reviews:duplicates", kwargs=rid) + "?status=all",
        # Downloads a member may take: the PRISMA counts and every record with its status.
        reverse("downloads:index", kwargs=rid),
        reverse("downloads:review-file", kwargs={**rid, "name": "prisma.csv"}),
        reverse("downloads:review-file", kwargs={**rid, "name": "prisma.svg"}),
        reverse("downloads:review-file", kwargs={**rid, "name": "data.zip"}),
    ]


def _endpoints(review_id):
    base = f"/api/reviews/{review_id}"
    return [
        f"{base}/screening/title-abstract/next/",
        f"{base}/screening/full-text/next/",
        f"{base}/screening/title-abstract/progress/",
        f"{base}/screening/full-text/progress/",
        f"{base}/screening/exclusion-reasons/",
        f"{base}/screening/terms/",
        f"{base}/screening/conflicts/",
        f"{base}/screening/conflicts/?stage=title_abstract",
        f"{base}/screening/agreement/",
        f"{base}/prisma/",
        f"{base}/prisma/manual-counts/",
        f"{base}/records/",
        f"{base}/records/?status=title_abstract",
        f"{base}/records/?status=full_text",
        f"{base}/duplicates/",
    ]


def _snapshot(client, api, review_id) -> list[tuple]:
    """Every screening page and endpoint as reviewer B sees it: (url, status, masked body)."""
    seen = []
    for url in _pages(review_id):
        response = client.get(url)
        seen.append((url, response.status_code, masked(response.content)))
    for url in _endpoints(review_id):
        response = api.get(url)
        seen.append((url, response.status_code, masked(response.content)))
    return seen


def _writes(client, api, review_id, x, w, reason) -> list[tuple]:
    """B decides X and W and undoes them, through pages (htmx) and the API; the responses in order."""
    ta = {"review_id": review_id, "stage_slug": "title-abstract"}
    ft = {"review_id": review_id, "stage_slug": "full-text"}
    api_base = f"/api/reviews/{review_id}/screening"
    # Each decision is undone before the next request, so no response can show a record that
    # B's own decision resolved by agreement (which would legitimately move it on).
    steps = [
        client.post(
            reverse("reviews:screening_decide", kwargs={**ft, "record_id": w.pk}),
            {"decision": "exclude", "exclusion_reason": reason.pk},
            HTTP_HX_REQUEST="true",
        ),
        client.post(reverse("reviews:screening_undo", kwargs=ft), HTTP_HX_REQUEST="true"),
        client.post(
            reverse("reviews:screening_decide", kwargs={**ta, "record_id": x.pk}),
            {"decision": "include"},
            HTTP_HX_REQUEST="true",
        ),
        client.post(reverse("reviews:screening_undo", kwargs=ta), HTTP_HX_REQUEST="true"),
        api.post(
            f"{api_base}/full-text/decisions/",
            {"record": w.pk, "decision": "exclude", "exclusion_reason": reason.pk},
            format="json",
        ),
        api.post(f"{api_base}/full-text/undo/"),
        api.post(
            f"{api_base}/title-abstract/decisions/", {"record": x.pk, "decision": "exclude"}, format="json"
        ),
        api.post(f"{api_base}/title-abstract/undo/"),
    ]
    return [(r.status_code, masked(r.content)) for r in steps]


def _set_a(review, a_user, x, w, reason, decision):
    if decision is None:
        return
    services.record_decision(
        review=review, record_id=x.pk, reviewer=a_user, stage=Stage.TITLE_ABSTRACT, decision=decision
    )
    services.record_decision(
        review=review,
        record_id=w.pk,
        reviewer=a_user,
        stage=Stage.FULL_TEXT,
        decision=decision,
        exclusion_reason=reason if decision == Decision.EXCLUDE else None,
    )


def _clear_a(a_user, x, w):
    ScreeningDecision.objects.filter(reviewer=a_user).delete()
    Record.objects.filter(pk=x.pk).update(status=RecordStatus.TITLE_ABSTRACT)
    Record.objects.filter(pk=w.pk).update(status=RecordStatus.FULL_TEXT)


def test_reviewer_b_sees_the_same_everywhere_whatever_reviewer_a_decided(
    client, api_client_for, review, reviewer, second_reviewer, blind_review
):
    x, w, reason = blind_review["x"], blind_review["w"], blind_review["reason"]
    client.force_login(reviewer)
    api = api_client_for(reviewer)
    before, writes, after_own_decision = {}, {}, {}
    for name, decision in A_STATES.items():
        _set_a(review, second_reviewer, x, w, reason, decision)
        before[name] = _snapshot(client, api, review.pk)
        writes[name] = _writes(client, api, review.pk, x, w, reason)
        # B's own decisions again (with the opposite of A's exclude: a conflict, not an agreement).
        services.record_decision(
            review=review,
            record_id=x.pk,
            reviewer=reviewer,
            stage=Stage.TITLE_ABSTRACT,
            decision=Decision.INCLUDE,
        )
        services.record_decision(
            review=review, record_id=w.pk, reviewer=reviewer, stage=Stage.FULL_TEXT, decision=Decision.INCLUDE
        )
        after_own_decision[name] = _snapshot(client, api, review.pk)
        services.undo_last_decision(review=review, reviewer=reviewer, stage=Stage.FULL_TEXT)
        services.undo_last_decision(review=review, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT)
        _clear_a(second_reviewer, x, w)

    # The test sees what it should: B's screens show the records, owner pages are refused.
    statuses = {url: status for url, status, _ in before["undecided"]}
    assert statuses[reverse("reviews:screening", kwargs={"review_id": review.pk})] == 200
    assert statuses[reverse("reviews:screening_conflicts", kwargs={"review_id": review.pk})] == 403
    assert statuses[f"/api/reviews/{review.pk}/prisma/"] == 200
    for name in ("prisma.csv", "prisma.svg", "data.zip"):
        assert (
            statuses[reverse("downloads:review-file", kwargs={"review_id": review.pk, "name": name})] == 200
        )
    assert [status for status, _ in writes["undecided"]] == [200, 200, 200, 200, 201, 200, 201, 200]
    assert b"Decision recorded." in writes["undecided"][0][1]
    assert b"withdrawn" in writes["undecided"][1][1]

    for url_index, (url, status, body) in enumerate(before["undecided"]):
        for name in ("include", "exclude"):
            assert before[name][url_index] == (url, status, body), f"{url} differs when A chose {name}"
    assert writes["include"] == writes["undecided"]
    assert writes["exclude"] == writes["undecided"]
    # After B's own include: still waiting for A (undecided) and a conflict (A excluded) look the same.
    for url_index, (url, status, body) in enumerate(after_own_decision["undecided"]):
        assert after_own_decision["exclude"][url_index] == (url, status, body), f"{url} reveals a conflict"
    # An agreement resolves the record, which may (and does) show: it moved on to full text.
    assert after_own_decision["include"] != after_own_decision["undecided"]


def test_the_owner_screening_page_is_blind_too_while_conflicts_show_every_decision(
    client, review, owner, reviewer, second_reviewer, blind_review
):
    """Documented choice: an owner who screens gets the same blind card; the conflict list is where decisions show."""
    x = blind_review["x"]
    client.force_login(owner)
    kwargs = {"review_id": review.pk, "stage_slug": "title-abstract"}
    blank = masked(client.get(reverse("reviews:screening_card", kwargs=kwargs)).content)
    services.record_decision(
        review=review,
        record_id=x.pk,
        reviewer=second_reviewer,
        stage=Stage.TITLE_ABSTRACT,
        decision=Decision.EXCLUDE,
    )
    assert masked(client.get(reverse("reviews:screening_card", kwargs=kwargs)).content) == blank
    conflicts = client.get(
        reverse("reviews:screening_conflicts", kwargs={"review_id": review.pk})
    ).content.decode()
    assert "amira" not in conflicts  # not a conflict yet: one decision is not shown anywhere
    services.record_decision(
        review=review,
        record_id=x.pk,
        reviewer=reviewer,
        stage=Stage.TITLE_ABSTRACT,
        decision=Decision.INCLUDE,
    )
    conflicts = client.get(
        reverse("reviews:screening_conflicts", kwargs={"review_id": review.pk})
    ).content.decode()
    assert "<strong>amira</strong> — Exclude" in conflicts
    assert "<strong>rahul</strong> — Include" in conflicts


def test_prisma_counts_conflicts_only_for_owners(
    api_client_for, review, owner, reviewer, second_reviewer, blind_review
):
    x = blind_review["x"]
    for user, decision in ((reviewer, Decision.INCLUDE), (second_reviewer, Decision.EXCLUDE)):
        services.record_decision(
            review=review, record_id=x.pk, reviewer=user, stage=Stage.TITLE_ABSTRACT, decision=decision
        )
    as_owner = api_client_for(owner).get(f"/api/reviews/{review.pk}/prisma/").json()
    as_reviewer = api_client_for(reviewer).get(f"/api/reviews/{review.pk}/prisma/").json()
    assert as_owner["conflicts"] == {"title_abstract": 1, "full_text": 0}
    assert "conflicts" not in as_reviewer
    assert as_reviewer["databases"]["awaiting_screening"] == 3


# Write responses and counts -----------------------------------------------------------------------
#
# Two worlds that differ only in another reviewer's decision: amira ("A") included record X and
# report W in both; in the second, rahul ("B") disagreed on both, so X and W are in conflict.
# A (who decided) and noor ("C", who did not) each run the same requests in both worlds: reads,
# re-posted and new decisions through the page (htmx and plain) and the API, undo, and reads
# again. Every response must be the same byte for byte: a conflict looks like a record still
# being screened, to the reviewers in it and to everyone else but owners.


def _reset_world(review, x, w):
    ScreeningDecision.objects.filter(record__review=review).delete()
    Record.objects.filter(pk=x.pk).update(status=RecordStatus.TITLE_ABSTRACT)
    Record.objects.filter(pk=w.pk).update(status=RecordStatus.FULL_TEXT)
    progress_recount(review=review)


def _build_world(review, a_user, b_user, x, w, reason, *, conflict: bool):
    _set_a(review, a_user, x, w, reason, Decision.INCLUDE)
    if conflict:
        services.record_decision(
            review=review,
            record_id=x.pk,
            reviewer=b_user,
            stage=Stage.TITLE_ABSTRACT,
            decision=Decision.EXCLUDE,
        )
        services.record_decision(
            review=review,
            record_id=w.pk,
            reviewer=b_user,
            stage=Stage.FULL_TEXT,
            decision=Decision.EXCLUDE,
            exclusion_reason=reason,
        )
    expected = (
        (RecordStatus.TA_CONFLICT, RecordStatus.FT_CONFLICT)
        if conflict
        else (
            RecordStatus.TITLE_ABSTRACT,
            RecordStatus.FULL_TEXT,
        )
    )
    assert (Record.objects.get(pk=x.pk).status, Record.objects.get(pk=w.pk).status) == expected


def _observer_requests(client, api, review_id, x, w, reason, *, ta_decision: str, ft_decision: str):
    """One member's reads, decisions on X and W (page, htmx and API), undo and reads again."""
    ta = {"review_id": review_id, "stage_slug": "title-abstract"}
    ft = {"review_id": review_id, "stage_slug": "full-text"}
    api_base = f"/api/reviews/{review_id}/screening"
    ft_body = {"decision": ft_decision}
    if ft_decision == Decision.EXCLUDE:
        ft_body["exclusion_reason"] = reason.pk
    seen = [("reads before", _snapshot(client, api, review_id))]
    steps = [
        client.post(
            reverse("reviews:screening_decide", kwargs={**ta, "record_id": x.pk}),
            {"decision": ta_decision},
            HTTP_HX_REQUEST="true",
        ),
        client.post(
            reverse("reviews:screening_decide", kwargs={**ta, "record_id": x.pk}),
            {"decision": ta_decision},
            follow=True,
        ),
        api.post(
            f"{api_base}/title-abstract/decisions/", {"record": x.pk, "decision": ta_decision}, format="json"
        ),
        client.post(
            reverse("reviews:screening_decide", kwargs={**ft, "record_id": w.pk}),
            ft_body,
            HTTP_HX_REQUEST="true",
        ),
        api.post(f"{api_base}/full-text/decisions/", {"record": w.pk, **ft_body}, format="json"),
        api.get(f"{api_base}/title-abstract/progress/"),
        api.get(f"{api_base}/full-text/progress/"),
    ]
    seen.append(("decisions", [(r.status_code, masked(r.content)) for r in steps]))
    seen.append(("reads after deciding", _snapshot(client, api, review_id)))
    steps = [
        client.post(reverse("reviews:screening_undo", kwargs=ft), HTTP_HX_REQUEST="true"),
        api.post(f"{api_base}/title-abstract/undo/"),
    ]
    seen.append(("undo", [(r.status_code, masked(r.content)) for r in steps]))
    seen.append(("reads after undo", _snapshot(client, api, review_id)))
    return seen


@pytest.mark.parametrize(
    "observer,ta_decision,ft_decision",
    [
        # A, in both conflicts, re-posts a decision that keeps disagreeing with B's.
        ("amira", Decision.MAYBE, Decision.INCLUDE),
        # C, in neither, decides: in the first world that makes the conflicts, in the second it joins them.
        ("noor", Decision.EXCLUDE, Decision.EXCLUDE),
    ],
)
def test_every_response_to_another_member_is_the_same_whether_a_record_waits_or_is_in_conflict(
    client,
    api_client_for,
    review,
    reviewer,
    second_reviewer,
    third_reviewer,
    blind_review,
    observer,
    ta_decision,
    ft_decision,
):
    x, w, reason = blind_review["x"], blind_review["w"], blind_review["reason"]
    watcher = {"amira": second_reviewer, "noor": third_reviewer}[observer]
    client.force_login(watcher)
    api = api_client_for(watcher)
    worlds = {}
    for conflict in (False, True):
        _reset_world(review, x, w)
        _build_world(review, second_reviewer, reviewer, x, w, reason, conflict=conflict)
        worlds[conflict] = _observer_requests(
            client, api, review.pk, x, w, reason, ta_decision=ta_decision, ft_decision=ft_decision
        )

    # The requests did what they say: decisions were recorded and undone.
    decisions = dict(worlds[False])["decisions"]
    assert [status for status, _ in decisions] == [200, 200, 201, 200, 201, 200, 200]
    assert b"Decision recorded." in decisions[0][1] and b"Decision recorded." in decisions[1][1]
    assert [status for status, _ in dict(worlds[False])["undo"]] == [200, 200]
    for (phase, pending), (_, conflict) in zip(worlds[False], worlds[True], strict=True):
        if phase.startswith("reads"):
            for (url, status, body), other in zip(pending, conflict, strict=True):
                assert other == (url, status, body), f"{observer}: {url} ({phase}) reveals the conflict"
        else:
            for index, (response, other) in enumerate(zip(pending, conflict, strict=True)):
                assert other == response, f"{observer}: {phase} step {index} reveals the conflict"

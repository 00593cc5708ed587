"""The permission matrix of extraction, on every page and endpoint.

Owners and reviewers extract; viewers read; non-members get 404; anonymous users
are sent to sign in (pages) or get 401 (API). The form (fields, outcomes) and
removing a study are the owner's. Another review's objects answer 404.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from extraction import cells, services
from reviews.models import Record, RecordStatus

PEOPLE = ["owner", "reviewer", "viewer", "outsider", "anonymous"]


def person(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.fixture
def ids(review, study, form, owner):
    """The ids every URL of the matrix needs, in a review with one shared extraction."""
    extraction = services.extraction_open(study=study, user=owner)
    record = Record.objects.create(review=review, title="Follow-up report", status=RecordStatus.INCLUDED)
    return {
        "review_id": review.pk,
        "study_id": study.pk,
        "arm_id": study.arms.order_by("position").last().pk,
        "comparison_id": study.comparisons.get().pk,
        "extraction_id": extraction.pk,
        "field_id": form["year"].pk,
        "outcome_id": form["relapse"].pk,
        "record_id": record.pk,
        "events_cell": cells.arm_cell(
            form["relapse"].pk, study.arms.order_by("position").first().pk, "events"
        ),
    }


def url_for(name, ids):
    """The URL of ``name`` with the ids its pattern takes (most specific shape first)."""
    for keys in (
        ("review_id", "study_id", "extraction_id"),
        ("review_id", "study_id", "arm_id"),
        ("review_id", "study_id", "comparison_id"),
        ("review_id", "field_id"),
        ("review_id", "outcome_id"),
        ("review_id", "study_id"),
        ("review_id",),
    ):
        try:
            return reverse(name, kwargs={k: ids[k] for k in keys})
        except NoReverseMatch:  # try the next shape of URL
            continue
    raise AssertionError(f"no URL for {name}")


# (page, method, POST data, expected for owner, reviewer, viewer, outsider, anonymous)
PAGES = [
    ("extraction:studies", "get", None, [200, 200, 200, 404, 302]),
    ("extraction:studies_sync", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_add", "post", {"label": "New 2020"}, [302, 302, 403, 404, 302]),
    ("extraction:form", "get", None, [200, 200, 200, 404, 302]),
    ("extraction:form_change", "post", {"action": "add_outcome", "name": "Death", "kind": "dichotomous"},
     [302, 403, 403, 404, 302]),
    ("extraction:study", "get", None, [200, 200, 200, 404, 302]),
    ("extraction:study_start", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_add_arm", "post", {"label": "Third"}, [302, 302, 403, 404, 302]),
    ("extraction:study_delete", "post", {}, [302, 403, 403, 404, 302]),
    ("extraction:study_update_arm", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_delete_arm", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_add_comparison", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_link_record", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_complete", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_reopen", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:study_upload_ipd", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:consensus", "get", None, [200, 200, 200, 404, 302]),
    ("extraction:consensus_start", "post", {}, [302, 302, 403, 404, 302]),
    ("extraction:history", "get", None, [200, 200, 200, 404, 302]),
]  # fmt: skip


@pytest.mark.parametrize("name,method,data,expected", PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_pages(request, client, ids, name, method, data, expected, index, who):
    user = person(request, who)
    if user is not None:
        client.force_login(user)
    url = url_for(name, ids)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == expected[index]
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_viewer_sees_the_values_read_only_and_cannot_save(client, viewer, ids, owner, study, form):
    extraction = study.extractions.get()
    services.value_save(
        extraction=extraction, user=owner, cell=ids["events_cell"], value=9, based_on_version=0
    )
    client.force_login(viewer)
    page = client.get(url_for("extraction:study", ids)).content.decode()
    assert 'data-editable="false"' in page and 'class="cell"' not in page and ">9<" in page


def test_another_reviews_study_answers_404(client, owner, other_review, outsider, ids):
    foreign = services.study_create(review=other_review, user=outsider, label="Foreign 1999")
    client.force_login(owner)
    for name in ("extraction:study", "extraction:history", "extraction:consensus"):
        assert client.get(reverse(name, args=[ids["review_id"], foreign.pk])).status_code == 404
    foreign_extraction = services.extraction_open(study=foreign, user=outsider)
    url = reverse("api-extraction-values", args=[ids["review_id"], ids["study_id"], foreign_extraction.pk])
    assert (
        client.post(
            url, {"cell": "f1", "value": 1, "based_on_version": 0}, content_type="application/json"
        ).status_code
        == 404
    )


def csv_file():
    return SimpleUploadedFile("patients.csv", b"arm,time,event\nIL-2,1.5,1\n", "text/csv")


# (URL name, method, body, expected for owner, reviewer, viewer, outsider, anonymous)
API = [
    ("api-extraction-fields", "get", None, [200, 200, 200, 404, 401]),
    ("api-extraction-fields", "post", {"name": "Country"}, [201, 403, 403, 404, 401]),
    ("api-extraction-field", "delete", None, [204, 403, 403, 404, 401]),
    ("api-agreement", "get", None, [200, 200, 200, 404, 401]),
    ("api-outcomes", "get", None, [200, 200, 200, 404, 401]),
    ("api-outcomes", "post", {"name": "Death", "kind": "dichotomous"}, [201, 403, 403, 404, 401]),
    ("api-outcome", "delete", None, [204, 403, 403, 404, 401]),
    ("api-outcome-analysis-input", "get", None, [200, 200, 200, 404, 401]),
    ("api-studies", "get", None, [200, 200, 200, 404, 401]),
    ("api-studies", "post", {"label": "New 2020"}, [201, 201, 403, 404, 401]),
    ("api-studies-sync", "post", {}, [200, 200, 403, 404, 401]),
    ("api-study", "get", None, [200, 200, 200, 404, 401]),
    ("api-study", "patch", {"label": "Baer 2009"}, [200, 200, 403, 404, 401]),
    ("api-study", "delete", None, [204, 403, 403, 404, 401]),
    ("api-study-records", "post", "record", [200, 200, 403, 404, 401]),
    ("api-arms", "post", {"label": "Third"}, [201, 201, 403, 404, 401]),
    ("api-arm", "patch", {"based_on_version": 1, "dose": "high"}, [200, 200, 403, 404, 401]),
    ("api-arm", "delete", None, [204, 204, 403, 404, 401]),
    ("api-comparisons", "post", "comparison", [201, 201, 403, 404, 401]),
    ("api-comparison", "delete", None, [204, 204, 403, 404, 401]),
    ("api-extractions", "get", None, [200, 200, 200, 404, 401]),
    ("api-extractions", "post", {}, [200, 200, 403, 404, 401]),
    ("api-extraction", "get", None, [200, 200, 200, 404, 401]),
    ("api-extraction-values", "post", "value", [200, 200, 403, 404, 401]),
    ("api-extraction-complete", "post", {}, [200, 200, 403, 404, 401]),
    ("api-extraction-reopen", "post", {}, [200, 200, 403, 404, 401]),
    ("api-study-comparison", "get", None, [403, 403, 403, 404, 401]),  # one extraction: nothing to compare
    ("api-consensus", "post", {}, [400, 400, 403, 404, 401]),
    ("api-study-history", "get", None, [200, 200, 200, 404, 401]),
    ("api-ipd", "get", None, [200, 200, 200, 404, 401]),
    ("api-ipd", "post", "file", [201, 201, 403, 404, 401]),
    ("api-ipd", "delete", None, [204, 204, 403, 404, 401]),
]


@pytest.mark.parametrize("name,method,body,expected", API, ids=[f"{a[0]}-{a[1]}" for a in API])
@pytest.mark.parametrize("index,who", list(enumerate(PEOPLE)))
def test_api(request, api_client_for, ids, name, method, body, expected, index, who):
    client = api_client_for(person(request, who))
    url = url_for(name, ids)
    if body == "record":
        body = {"record_id": ids["record_id"]}
    elif body == "comparison":
        arms = list(request.getfixturevalue("study").arms.order_by("position"))
        body = {"experimental_id": arms[1].pk, "control_id": arms[0].pk}
    elif body == "value":
        body = {"cell": ids["events_cell"], "value": 3, "based_on_version": 0}
    if body == "file":
        response = client.post(url, {"file": csv_file()}, format="multipart")
    elif body is None:
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected[index], response.content

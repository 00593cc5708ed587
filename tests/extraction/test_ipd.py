"""Patient-level data: a CSV per study, checked row by row against the study's arms, stored whole or not at all."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from extraction import services
from extraction.models import PatientRecord
from extraction.selectors.analysis_input import ipd_rows

GOOD = b"Arm,Time,Event,age,sex\nIL-2,12.5,1,54,F\nObservation,30,0,61,M\nil-2 ,0,0,,F\n"


def upload(study, user, data: bytes) -> int:
    return services.ipd_replace(study=study, user=user, upload=io.BytesIO(data))


def test_good_file_is_stored_with_covariates(study, reviewer, review, arms):
    assert upload(study, reviewer, GOOD) == 3
    patients = list(PatientRecord.objects.filter(study=study).order_by("line"))
    assert [(p.line, p.arm.label, p.time, p.event) for p in patients] == [
        (2, "IL-2", 12.5, 1), (3, "Observation", 30.0, 0), (4, "IL-2", 0.0, 0)
    ]  # fmt: skip
    assert patients[0].covariates == {"age": 54, "sex": "F"} and patients[2].covariates == {
        "age": None,
        "sex": "F",
    }
    rows = ipd_rows(review_id=review.pk)
    assert rows[0] == {"study": "Baer 2008", "study_id": study.pk, "arm": "IL-2", "arm_id": arms[0].pk,
                       "treatment": "IL-2", "time": 12.5, "event": 1, "age": 54, "sex": "F",
                       "year": None, "design": None, "blinded": None}  # fmt: skip


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_saved(study, reviewer):
    upload(study, reviewer, GOOD)
    bad = b"arm;time;event\nIL-2;5;1\nPlacebo;3;0\nIL-2;-1;1\nObservation;2;2\nObservation;soon;0\nIL-2;4\n"
    with pytest.raises(services.IpdErrors) as excinfo:
        upload(study, reviewer, bad)
    errors = {e["line"]: e["message"] for e in excinfo.value.errors}
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "arm “Placebo” is not an arm of this study (IL-2, Observation)" in errors[3]
    assert "time must be 0 or more" in errors[4]
    assert "event must be 0 or 1, not “2”" in errors[5]
    assert "time “soon” is not a number" in errors[6]
    assert "2 values where the header has 3" in errors[7]
    assert PatientRecord.objects.filter(study=study).count() == 3  # the earlier upload is untouched


def test_missing_columns_empty_files_and_non_utf8(study, reviewer):
    for data, message in [
        (b"arm,time\nIL-2,3\n", "Missing column(s): event"),
        (b"", "The file is empty"),
        (b"arm,time,event\n", "no patients"),
        ("arm,time,event,ville\nIL-2,1,0,Zürich\n".encode("latin-1"), "not UTF-8"),
    ]:
        with pytest.raises(services.IpdErrors) as excinfo:
            upload(study, reviewer, data)
        assert message in excinfo.value.messages[0]


def test_a_new_upload_replaces_the_old_one(study, reviewer):
    upload(study, reviewer, GOOD)
    assert upload(study, reviewer, b"arm,time,event\nObservation,7,1\n") == 1
    assert list(PatientRecord.objects.filter(study=study).values_list("arm__label", "time")) == [
        ("Observation", 7.0)
    ]
    assert study.changes.filter(what__startswith="Patient-level data replaced").first().new_value == 1


def test_upload_is_bounded_in_bytes_and_rows(study, reviewer, settings):
    settings.IPD_MAX_ROWS = 2
    with pytest.raises(services.IpdErrors) as excinfo:
        upload(study, reviewer, GOOD)
    assert "More than 2 patients" in excinfo.value.messages[0]
    settings.MAX_UPLOAD_BYTES = 20
    with pytest.raises(services.IpdErrors) as excinfo:
        upload(study, reviewer, GOOD)
    assert "larger than 20 bytes" in excinfo.value.messages[0]
    assert not PatientRecord.objects.filter(study=study).exists()


def test_upload_through_the_api_and_the_page(api_client_for, client, review, study, reviewer):
    url = reverse("api-ipd", args=[review.pk, study.pk])
    api = api_client_for(reviewer)
    response = api.post(url, {"file": SimpleUploadedFile("p.csv", GOOD, "text/csv")}, format="multipart")
    assert response.status_code == 201 and response.json() == {"patients": 3}
    response = api.post(
        url, {"file": SimpleUploadedFile("p.csv", b"arm,time,event\nX,1,1\n")}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["line"] == 2
    assert api.get(url).json() == {"patients": 3, "per_arm": {"IL-2": 2, "Observation": 1}}

    client.force_login(reviewer)
    page = client.post(
        reverse("extraction:study_upload_ipd", args=[review.pk, study.pk]),
        {"file": SimpleUploadedFile("p.csv", b"arm,time,event\nIL-2,-3,1\n")},
        follow=True,
    ).content.decode()
    assert "line 2: time must be 0 or more" in page
    assert api.delete(url).status_code == 204 and not PatientRecord.objects.exists()

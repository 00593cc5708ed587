"""Downloads API: what can be downloaded, the files themselves, and jobs for the large ones.

Same rules as the pages (``downloads.views``): members download, outsiders get 404,
screening decisions are for owners; a stale or failed analysis result answers 409.
"""

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis import selectors
from downloads import selectors as downloads_selectors
from downloads import services as downloads_services
from downloads.exports import files
from downloads.exports.analysis_results import NotExportable, current_result
from downloads.exports.files import CSV, IMAGE, JSON, XLSX, ZIP
from downloads.models import DownloadJob, DownloadKind, DownloadStatus
from downloads.views import file_response, not_exportable
from reviews.selectors.access import review_for_user

# Every media type a download is served as, so that clients (and schemathesis) know them.
FILE_RESPONSES = {
    (200, media_type.split(";")[0]): OpenApiTypes.BINARY
    for media_type in [CSV, XLSX, JSON, ZIP, *IMAGE.values()]
}
JOB_LIST = {"type": "array", "items": {"type": "object", "additionalProperties": {}}}


def _api_url(request, url_name: str, **kwargs) -> str:
    from django.urls import reverse

    return request.build_absolute_uri(reverse(f"downloads_api:{url_name}", kwargs=kwargs))


class DownloadListApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        operation_id="downloads_list",
        summary="Every download of the review and its URL",
    )
    def get(self, request, review_id: int):
        review, membership = review_for_user(user=request.user, review_id=review_id)
        body = {
            "data_version": selectors.current_data_version(review_id=review.pk),
            "review_files": [
                {
                    "name": name,
                    "label": label,
                    "url": _api_url(request, "review-file", review_id=review.pk, name=name),
                }
                for name, label in files.review_files_for(membership)
            ],
            "analyses": [],
            "jobs": [kind for kind in DownloadKind.values],
        }
        for analysis in selectors.analyses_of(review=review):
            entry = {"id": analysis.pk, "name": analysis.name, "files": [], "unavailable": None}
            try:
                result = current_result(analysis)
            except NotExportable as reason:
                entry["unavailable"] = str(reason)
            else:
                entry["data_version"] = result.data_version
                entry["files"] = [
                    {
                        "name": name,
                        "label": label,
                        "url": _api_url(
                            request, "analysis-file", review_id=review.pk, analysis_id=analysis.pk, name=name
                        ),
                    }
                    for name, label in files.analysis_file_names(analysis, result)
                ]
            body["analyses"].append(entry)
        return Response(body)


class ReviewFileApi(APIView):
    @extend_schema(
        responses=FILE_RESPONSES,
        operation_id="downloads_review_file",
        summary="A review file",
    )
    def get(self, request, review_id: int, name: str):
        review, membership = review_for_user(user=request.user, review_id=review_id)
        return file_response(files.review_file(review=review, membership=membership, name=name))


class AnalysisFileApi(APIView):
    @extend_schema(
        responses=FILE_RESPONSES,
        operation_id="downloads_analysis_file",
        summary="An analysis file",
    )
    def get(self, request, review_id: int, analysis_id: int, name: str):
        _, _, analysis = selectors.analysis_for_user(
            user=request.user, review_id=review_id, analysis_id=analysis_id
        )
        try:
            return file_response(files.analysis_file(analysis=analysis, name=name))
        except NotExportable as reason:
            return not_exportable(reason)


class JobInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DownloadKind.choices)


def _payload(request, review_id: int, job) -> dict:
    return job_payload(job, _api_url(request, "job-file", review_id=review_id, job_id=job.pk))


class JobListApi(APIView):
    @extend_schema(
        responses={200: JOB_LIST},
        operation_id="downloads_jobs_list",
        summary="My download jobs in this review",
    )
    def get(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        return Response(
            [
                _payload(request, review.pk, job)
                for job in downloads_selectors.jobs_of(review=review, user=request.user)
            ]
        )

    @extend_schema(
        request=JobInput,
        responses={202: OpenApiTypes.OBJECT},
        operation_id="downloads_job_start",
        summary="Start a large download",
    )
    def post(self, request, review_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        data = JobInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = downloads_services.download_job_start(
            review=review, user=request.user, kind=data.validated_data["kind"]
        )
        return Response(_payload(request, review.pk, job), status=status.HTTP_202_ACCEPTED)


class JobDetailApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        operation_id="downloads_job_retrieve",
        summary="A download job's progress",
    )
    def get(self, request, review_id: int, job_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        return Response(
            _payload(
                request,
                review.pk,
                downloads_selectors.job_for_user(review=review, user=request.user, job_id=job_id),
            )
        )


class JobFileApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        operation_id="downloads_job_file",
        summary="A job's file",
    )
    def get(self, request, review_id: int, job_id: int):
        review, _ = review_for_user(user=request.user, review_id=review_id)
        job = downloads_selectors.job_for_user(review=review, user=request.user, job_id=job_id)
        if job.status != DownloadStatus.DONE:
            return Response({"detail": "The file is not ready yet."}, status=status.HTTP_409_CONFLICT)
        content = type(job).objects.filter(pk=job.pk).values_list("content", flat=True).get()
        return file_response(files.File(job.file_name, job.content_type, bytes(content)))


def job_payload(job: DownloadJob, file_url: str | None) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": "lost" if downloads_selectors.is_lost(job) else job.status,
        "progress": job.progress,
        "step": job.step,
        "error": job.error,
        "file_name": job.file_name,
        "size": job.size,
        "data_version": job.data_version,
        "created_at": job.created_at.isoformat(),
        "file_url": file_url if job.status == DownloadStatus.DONE else None,
    }

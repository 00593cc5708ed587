"""Download pages: the review's downloads page, the files, and the jobs that prepare large ones.

Every view finds the review through ``review_for_user`` (outsiders 404) and analyses through
``analysis_for_user``; every member may download, except screening decisions (owners only).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from analysis import selectors
from downloads import selectors as downloads_selectors
from downloads import services as downloads_services
from downloads.exports import files
from downloads.exports.analysis_results import NotExportable, current_result
from downloads.models import DownloadKind, DownloadStatus
from reviews.selectors.access import review_for_user

STAGE = "downloads"


def file_response(file: files.File) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def not_exportable(reason: NotExportable) -> HttpResponse:
    # 409: the request is fine, the analysis is not in a state to give a current result.
    return HttpResponse(str(reason), status=409, content_type="text/plain; charset=utf-8")


def _analysis_rows(review):
    rows = []
    version = selectors.current_data_version(review_id=review.pk)
    for analysis in selectors.analyses_of(review=review):
        status = selectors.status_of(analysis=analysis, data_version=version)
        try:
            result = current_result(analysis)
        except NotExportable as reason:
            rows.append({"analysis": analysis, "status": status, "reason": str(reason), "files": []})
            continue
        rows.append(
            {"analysis": analysis, "status": status, "files": files.analysis_file_names(analysis, result)}
        )
    return rows


def _job_context(review, job):
    return {
        "review": review,
        "job": job,
        "lost": downloads_selectors.is_lost(job),
        "polling": job.status in (DownloadStatus.QUEUED, DownloadStatus.RUNNING)
        and not downloads_selectors.is_lost(job),
    }


@login_required
@require_GET
def index(request, review_id: int):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    latest = {}
    for job in downloads_selectors.jobs_of(review=review, user=request.user):
        latest.setdefault(job.kind, job)
    context = {
        "review": review,
        "membership": membership,
        "stage": STAGE,
        "review_files": files.review_files_for(membership),
        "analysis_rows": _analysis_rows(review),
        "job_kinds": [
            {"kind": kind, "label": label, **(_job_context(review, latest[kind]) if kind in latest else {})}
            for kind, label in DownloadKind.choices
        ],
    }
    return render(request, "downloads/index.html", context)


@login_required
@require_GET
def review_file(request, review_id: int, name: str):
    review, membership = review_for_user(user=request.user, review_id=review_id)
    return file_response(files.review_file(review=review, membership=membership, name=name))


@login_required
@require_GET
def analysis_file(request, review_id: int, analysis_id: int, name: str):
    _, _, analysis = selectors.analysis_for_user(
        user=request.user, review_id=review_id, analysis_id=analysis_id
    )
    try:
        return file_response(files.analysis_file(analysis=analysis, name=name))
    except NotExportable as reason:
        return not_exportable(reason)


@login_required
@require_POST
def job_start(request, review_id: int):
    review, _ = review_for_user(user=request.user, review_id=review_id)
    kind = request.POST.get("kind", "")
    if kind not in DownloadKind.values:
        return HttpResponse("Unknown download.", status=400)
    job = downloads_services.download_job_start(review=review, user=request.user, kind=kind)
    if request.headers.get("HX-Request"):
        return render(request, "downloads/_job.html", _job_context(review, job))
    return redirect(reverse("downloads:index", kwargs={"review_id": review.pk}))


@login_required
@require_GET
def job_status(request, review_id: int, job_id: int):
    review, _ = review_for_user(user=request.user, review_id=review_id)
    job = downloads_selectors.job_for_user(review=review, user=request.user, job_id=job_id)
    return render(request, "downloads/_job.html", _job_context(review, job))


@login_required
@require_GET
def job_file(request, review_id: int, job_id: int):
    review, _ = review_for_user(user=request.user, review_id=review_id)
    job = downloads_selectors.job_for_user(review=review, user=request.user, job_id=job_id)
    if job.status != DownloadStatus.DONE:
        return HttpResponse(
            "The file is not ready yet.", status=409, content_type="text/plain; charset=utf-8"
        )
    content = type(job).objects.filter(pk=job.pk).values_list("content", flat=True).get()
    return file_response(files.File(job.file_name, job.content_type, bytes(content)))

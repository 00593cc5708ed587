"""Download pages under /reviews/<review_id>/downloads/ and their API under /api/reviews/<review_id>/downloads/."""

from django.urls import path

from downloads import api, views

app_name = "downloads"

PAGE = "<int:review_id>/downloads/"
urlpatterns = [
    path(PAGE, views.index, name="index"),
    path(PAGE + "jobs/", views.job_start, name="job-start"),
    path(PAGE + "jobs/<int:job_id>/", views.job_status, name="job"),
    path(PAGE + "jobs/<int:job_id>/file", views.job_file, name="job-file"),
    path(PAGE + "analyses/<int:analysis_id>/<str:name>", views.analysis_file, name="analysis-file"),
    path(PAGE + "<str:name>", views.review_file, name="review-file"),
]

API = "reviews/<int:review_id>/downloads/"
api_urlpatterns = [
    path(API, api.DownloadListApi.as_view(), name="list"),
    path(API + "jobs/", api.JobListApi.as_view(), name="jobs"),
    path(API + "jobs/<int:job_id>/", api.JobDetailApi.as_view(), name="job"),
    path(API + "jobs/<int:job_id>/file", api.JobFileApi.as_view(), name="job-file"),
    path(API + "analyses/<int:analysis_id>/<str:name>", api.AnalysisFileApi.as_view(), name="analysis-file"),
    path(API + "<str:name>", api.ReviewFileApi.as_view(), name="review-file"),
]

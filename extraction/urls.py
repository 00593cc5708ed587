"""Extraction pages under /reviews/<review_id>/."""

from django.urls import path

from extraction import views

app_name = "extraction"

STUDY = "<int:review_id>/studies/<int:study_id>/"

urlpatterns = [
    path("<int:review_id>/studies/", views.studies, name="studies"),
    path("<int:review_id>/studies/sync/", views.studies_sync, name="studies_sync"),
    path("<int:review_id>/studies/add/", views.study_add, name="study_add"),
    path("<int:review_id>/extraction-form/", views.form_setup, name="form"),
    path("<int:review_id>/extraction-form/change/", views.form_change, name="form_change"),
    path(STUDY, views.study, name="study"),
    path(STUDY + "change/", views.study_change, name="study_change"),
    path(STUDY + "consensus/", views.consensus, name="consensus"),
    path(STUDY + "consensus/start/", views.consensus_start, name="consensus_start"),
    path(STUDY + "history/", views.history, name="history"),
]

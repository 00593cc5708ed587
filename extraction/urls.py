"""Extraction pages under /reviews/<review_id>/."""

from django.urls import path

from extraction.views import pages, study

app_name = "extraction"

STUDY = "<int:review_id>/studies/<int:study_id>/"

urlpatterns = [
    path("<int:review_id>/studies/", pages.studies, name="studies"),
    path("<int:review_id>/studies/sync/", pages.studies_sync, name="studies_sync"),
    path("<int:review_id>/studies/add/", pages.study_add, name="study_add"),
    path("<int:review_id>/extraction-form/", pages.form_setup, name="form"),
    path("<int:review_id>/extraction-form/change/", pages.form_change, name="form_change"),
    path(STUDY, study.study, name="study"),
    # The study page's actions: one small form and one view each.
    path(STUDY + "start/", study.study_start, name="study_start"),
    path(STUDY + "add-arm/", study.study_add_arm, name="study_add_arm"),
    path(STUDY + "update-arm/", study.study_update_arm, name="study_update_arm"),
    path(STUDY + "delete-arm/", study.study_delete_arm, name="study_delete_arm"),
    path(STUDY + "add-comparison/", study.study_add_comparison, name="study_add_comparison"),
    path(STUDY + "link-record/", study.study_link_record, name="study_link_record"),
    path(STUDY + "complete/", study.study_complete, name="study_complete"),
    path(STUDY + "reopen/", study.study_reopen, name="study_reopen"),
    path(STUDY + "upload-ipd/", study.study_upload_ipd, name="study_upload_ipd"),
    path(STUDY + "delete/", study.study_delete, name="study_delete"),
    path(STUDY + "consensus/", pages.consensus, name="consensus"),
    path(STUDY + "consensus/start/", pages.consensus_start, name="consensus_start"),
    path(STUDY + "history/", pages.history, name="history"),
]

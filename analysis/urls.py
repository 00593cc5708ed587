"""Analysis pages under /reviews/<review_id>/analyses/."""

from django.urls import path

from analysis import views

app_name = "analysis"

ANALYSIS = "<int:review_id>/analyses/<int:analysis_id>/"

urlpatterns = [
    path("<int:review_id>/analyses/", views.analysis_list, name="list"),
    path("<int:review_id>/analyses/table/", views.analysis_table, name="table"),
    path("<int:review_id>/analyses/add/", views.analysis_add, name="add"),
    path("<int:review_id>/analyses/defaults/", views.analysis_defaults, name="defaults"),
    path(ANALYSIS, views.analysis_detail, name="detail"),
    path(ANALYSIS + "status/", views.analysis_status, name="status"),
    path(ANALYSIS + "change/", views.analysis_change, name="change"),
    path(ANALYSIS + "remove/", views.analysis_remove, name="remove"),
]

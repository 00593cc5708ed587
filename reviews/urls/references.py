"""Pages of a review's references: records, imports and duplicate candidates."""

from django.urls import path

from reviews.views import references as views

urlpatterns = [
    path("<int:review_id>/references/", views.references, name="references"),
    path("<int:review_id>/references/import/", views.import_create, name="import_create"),
    path("<int:review_id>/imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("<int:review_id>/imports/<int:import_id>/progress/", views.import_progress, name="import_progress"),
    path("<int:review_id>/duplicates/", views.duplicates, name="duplicates"),
] + [
    path(
        f"<int:review_id>/duplicates/<int:candidate_id>/{action}/",
        views.duplicate_decide,
        {"action": action},
        name=f"duplicate_{action}",
    )
    for action in ("confirm", "reject", "unmerge")
]

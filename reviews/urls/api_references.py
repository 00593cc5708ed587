"""API URLs of a review's references: imports, records and duplicate candidates."""

from django.urls import path

from reviews.api import references as api

urlpatterns = [
    path("reviews/<int:review_id>/imports/", api.ImportListApi.as_view(), name="api-imports"),
    path(
        "reviews/<int:review_id>/imports/<int:import_id>/", api.ImportDetailApi.as_view(), name="api-import"
    ),
    path("reviews/<int:review_id>/records/", api.RecordListApi.as_view(), name="api-records"),
    path("reviews/<int:review_id>/duplicates/", api.DuplicateListApi.as_view(), name="api-duplicates"),
] + [
    path(
        f"reviews/<int:review_id>/duplicates/<int:candidate_id>/{action}/",
        api.DuplicateActionApi.as_view(decision=action),
        name=f"api-duplicate-{action}",
    )
    for action in ("confirm", "reject", "unmerge")
]

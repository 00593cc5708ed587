"""API URLs of the reviews app: reviews and members here, references and screening included."""

from django.urls import include, path

from reviews.api import members as api

urlpatterns = [
    path("reviews/", api.ReviewListApi.as_view(), name="api-reviews"),
    path("reviews/<int:review_id>/", api.ReviewDetailApi.as_view(), name="api-review"),
    path("reviews/<int:review_id>/members/", api.MemberListApi.as_view(), name="api-members"),
    path(
        "reviews/<int:review_id>/members/<int:membership_id>/",
        api.MemberDetailApi.as_view(),
        name="api-member",
    ),
    path("", include("reviews.urls.api_references")),
    path("", include("reviews.urls.api_screening")),
]

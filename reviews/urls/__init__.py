"""Pages of the reviews app (namespace ``reviews``); the API's URLs are in ``reviews.urls.api``."""

from django.urls import include, path

from reviews.views import members as views

app_name = "reviews"

urlpatterns = [
    path("new/", views.review_create, name="create"),
    path("<int:review_id>/", views.review_detail, name="detail"),
    path("<int:review_id>/settings/", views.review_settings, name="settings"),
    path("<int:review_id>/members/", views.members, name="members"),
    path("<int:review_id>/members/<int:membership_id>/role/", views.member_change_role, name="member_role"),
    path("<int:review_id>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    # References, imports and duplicates; screening, conflicts and PRISMA.
    path("", include("reviews.urls.references")),
    path("", include("reviews.urls.screening")),
]

"""Top-level URLs: pages, the REST API under /api/, its schema and docs, the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import api as core_api
from core import views as core_views
from downloads import urls as downloads_urls
from reviews.views import members as review_views

api_patterns = [
    path("", include("reviews.urls.api")),
    path("", include("extraction.api_urls")),
    path("", include("analysis.api_urls")),
    path("", include((downloads_urls.api_urlpatterns, "downloads_api"))),
    path("auth/token/", core_api.TokenCreateApi.as_view(), name="api-token"),
    path("auth/tokens/", core_api.TokenListApi.as_view(), name="api-tokens"),
    path("auth/tokens/<int:token_id>/", core_api.TokenDetailApi.as_view(), name="api-token-detail"),
    path("worker-pings/", core_api.WorkerPingListApi.as_view(), name="api-worker-pings"),
    path("worker-pings/<int:ping_id>/", core_api.WorkerPingDetailApi.as_view(), name="api-worker-ping"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Behind sign-in like the schema it shows; the split view serves Swagger UI's start-up script
    # as a file of its own, which the Content-Security-Policy allows (no inline script).
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

urlpatterns = [
    path("", review_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/tokens/", core_views.api_tokens, name="api-tokens-page"),
    path("accounts/tokens/<int:token_id>/revoke/", core_views.api_token_revoke, name="api-token-revoke"),
    path("reviews/", include("reviews.urls")),
    path("reviews/", include("extraction.urls")),
    path("reviews/", include("analysis.urls")),
    path("reviews/", include("downloads.urls")),
    path("status/", core_views.status, name="status"),
    path("status/ping/", core_views.status_ping, name="status-ping"),
    path("status/ping/<int:ping_id>/", core_views.status_ping_detail, name="status-ping-detail"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

"""Top-level URLs: pages, the REST API under /api/, its schema and docs, the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from core import api as core_api
from core import views as core_views
from downloads import urls as downloads_urls
from reviews.views import members as review_views

api_patterns = [
    path("", include("reviews.urls.api")),
    path("", include("extraction.api_urls")),
    path("", include("analysis.api_urls")),
    path("", include((downloads_urls.api_urlpatterns, "downloads_api"))),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("worker-pings/", core_api.WorkerPingListApi.as_view(), name="api-worker-pings"),
    path("worker-pings/<int:ping_id>/", core_api.WorkerPingDetailApi.as_view(), name="api-worker-ping"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", review_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
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

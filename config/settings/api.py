"""Django REST Framework and the OpenAPI schema."""

from config.env import env_int

# The most rows one page of any list endpoint returns, whatever ?limit= asks for: a page is
# built in memory, and a member asking for every record at once must not exhaust the worker.
API_MAX_PAGE_SIZE = env_int("OPENSYNTH_API_MAX_PAGE_SIZE", 500, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with a WWW-Authenticate header.
        "core.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OpenSynth API",
    "DESCRIPTION": "Reviews, members, references, screening, extraction and live meta-analyses.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are for signed-in people (a documented decision, README "Security").
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from the sidecar package, not a CDN: pages work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "kind" (form fields and outcomes); name each.
    "ENUM_NAME_OVERRIDES": {
        "ExtractionFieldKindEnum": "extraction.models.FieldKind",
        "OutcomeKindEnum": "extraction.models.OutcomeKind",
        "RecordStatusEnum": "reviews.models.records.RecordStatus",
        "ImportStatusEnum": "reviews.models.records.SourceImport.Status",
        "DuplicateStatusEnum": "reviews.models.duplicates.DuplicateCandidate.Status",
    },
}

"""The one pagination every API list uses: limit/offset with a ceiling on the page size.

A list APIView sets ``pagination_class = CappedLimitOffsetPagination`` and answers with
``paginate(...)``; drf-spectacular then documents the page (count, next, previous, results)
and the ``limit``/``offset`` parameters from that attribute.
"""

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """``?limit=`` beyond settings.API_MAX_PAGE_SIZE gives a page of that size, not more."""

    @property
    def max_limit(self) -> int:
        return settings.API_MAX_PAGE_SIZE


def paginate(*, request, view, queryset, serialize):
    """One capped page of ``queryset``; ``serialize`` turns the page's rows into data."""
    paginator = CappedLimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serialize(page))

"""Turns the services' Django ValidationError into DRF's 400 response for every API view.

A number the database cannot hold (an id of 2**70: SQLite raises OverflowError, PostgreSQL
"numeric value out of range") is the caller's mistake too, and gets 400 rather than 500.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import serializers
from rest_framework.views import exception_handler as drf_exception_handler

NUMERIC_VALUE_OUT_OF_RANGE = "22003"  # PostgreSQL's SQLSTATE


def _out_of_range(exc) -> bool:
    if isinstance(exc, OverflowError):
        return True
    return (
        isinstance(exc, DataError) and getattr(exc.__cause__, "sqlstate", None) == NUMERIC_VALUE_OUT_OF_RANGE
    )


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = serializers.ValidationError(detail)
    elif _out_of_range(exc):
        exc = serializers.ValidationError({"detail": ["A number in the request is out of range."]})
    return drf_exception_handler(exc, context)

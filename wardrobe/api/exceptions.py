"""DRF exception handler that turns Django's ``ValidationError`` (raised by services) into a 400."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Like DRF's handler, plus ``django.core.exceptions.ValidationError`` -> 400 with its messages."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    return drf_exception_handler(exc, context)

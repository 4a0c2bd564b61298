"""Choices that come from settings, declared once for models, forms and serializers."""

from __future__ import annotations

from django.conf import settings


def currency_choices() -> list[tuple[str, str]]:
    """``[(code, code)]`` of ``settings.CURRENCIES`` (ISO 4217 codes), in the order configured."""
    return [(code, code) for code in settings.CURRENCIES]

"""Account writes."""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.forms import SignUpForm
from accounts.models import Profile

log = logging.getLogger(__name__)


class AccountLocked(Exception):
    """Too many failed logins for this username from this address (django-axes): wait for the cool-off."""


def user_create(*, username: str, password: str, password2: str):
    """Create a user after the checks of Django's ``UserCreationForm`` (``forms.SignUpForm``): the
    username's validator and that it is free (case-insensitively), the confirmation, and
    ``AUTH_PASSWORD_VALIDATORS``.

    Raises ``ValidationError`` as a dict keyed by ``username`` / ``password`` / ``password2``.
    Returns the new user.
    """
    form = SignUpForm(data={"username": (username or "").strip(), "password1": password, "password2": password2})
    if not form.is_valid():
        raise ValidationError(
            {{"password1": "password"}.get(field, field): errors for field, errors in form.errors.items()}
        )
    with transaction.atomic():
        return form.save()


def token_get_or_create(*, user) -> str:
    """The user's API token key (created on first use)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


#: Fields :func:`profile_update` changes.
PROFILE_FIELDS = frozenset({"language", "review_threshold", "currency"})


def profile_update(*, user, **fields) -> Profile:
    """Change the user's preferences: ``language`` ("" or a code of ``settings.LANGUAGES``),
    ``review_threshold`` (float in [0, 1]), ``currency`` (ISO 4217 code of ``settings.CURRENCIES``).

    Raises ``ValidationError`` (dict keyed by field) for an unknown field or a bad value; then
    nothing is saved. Returns the profile.
    """
    from accounts.selectors import profile_get

    profile = profile_get(user=user)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(profile, name, value)
    try:
        profile.full_clean(exclude=["user"])
    except ValidationError:
        profile.refresh_from_db()
        raise
    profile.save()
    return profile


def user_authenticate(*, request: HttpRequest, username: str, password: str):
    """The user with these credentials, through ``AUTHENTICATION_BACKENDS`` (so django-axes counts a
    failure and refuses a locked-out username + address). ``request`` must be Django's ``HttpRequest``
    (for DRF: ``request._request``), where axes marks a lockout for its middleware.

    Raises ``AccountLocked`` while locked out (even with the right password) and ``ValidationError``
    (``non_field_errors``) for wrong credentials or an inactive user. Returns the user.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise AccountLocked()
        raise ValidationError({"non_field_errors": [_("Unable to log in with provided credentials.")]})
    return user


def user_password_check(*, user, password: str, request: HttpRequest | None = None) -> None:
    """Confirm that ``password`` is ``user``'s (before a destructive action).

    With ``request`` (Django's ``HttpRequest``) the check goes through :func:`user_authenticate`, so
    wrong passwords count towards the login lockout; without it, only the password hash is checked.
    Raises ``ValidationError`` (``password``) for a wrong password, ``AccountLocked`` while locked out.
    """
    wrong = ValidationError({"password": [_("The password is not correct.")]})
    if not password:
        raise ValidationError({"password": [_("Enter your password to confirm.")]})
    if request is None:
        if not user.check_password(password):
            raise wrong
        return
    try:
        confirmed = user_authenticate(request=request, username=user.get_username(), password=password)
    except ValidationError:
        raise wrong from None
    if confirmed.pk != user.pk:
        raise wrong


def user_delete(*, user, password: str, request: HttpRequest | None = None) -> None:
    """Delete ``user`` and everything of theirs, after confirming their ``password`` (see
    :func:`user_password_check`; ``request`` makes wrong passwords count towards the lockout).

    Rows: everything that cascades from the user (their profile, API token, and every room's rows)
    and django-axes' login attempts and logs under their username, in one transaction. Files are the
    rooms' business: they delete theirs once the transaction commits (``post_delete`` signals).
    Sessions of the user stop working (their user no longer exists); the caller logs out the
    current one. Raises ``ValidationError`` (``password``) or ``AccountLocked``; then nothing changes.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    user_password_check(user=user, password=password, request=request)
    user_id, username = int(user.pk), user.get_username()
    with transaction.atomic():
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username=username).delete()
        user.delete()
    log.info("Deleted user %s (id %d) and their files.", username, user_id)

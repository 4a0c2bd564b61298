"""Account writes: sign-up, tokens, preferences, password checks and changes, signing out everywhere,
account deletion."""

from __future__ import annotations

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.forms import PasswordChangeForm, SignUpForm
from accounts.models import Profile
from accounts.signals import user_deleting

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
PROFILE_FIELDS = frozenset({"language", "review_threshold", "currency", "mix_patterns"})


def profile_update(*, user, **fields) -> Profile:
    """Change the user's preferences: ``language`` ("" or a code of ``settings.LANGUAGES``),
    ``review_threshold`` (float in [0, 1]), ``currency`` (ISO 4217 code of ``settings.CURRENCIES``),
    ``mix_patterns`` (bool: outfit suggestions may hold several patterned pieces).

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


def user_sessions_end(*, user, keep_session_key: str | None = None) -> int:
    """End every session of ``user`` (signed out on every browser) except ``keep_session_key``.

    Works with the database session engines (Django's default, ``db`` and ``cached_db``): the
    unexpired sessions are read and those of the user deleted. Returns how many were ended.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    sessions = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    keys = [
        session.session_key
        for session in sessions.only("session_key", "session_data").iterator()
        if session.session_key != keep_session_key and session.get_decoded().get(SESSION_KEY) == user_id
    ]
    for key in keys:
        store().delete(key)
    return len(keys)


def user_logout_everywhere(*, user) -> None:
    """Sign ``user`` out everywhere: their API token is deleted (``token_get_or_create`` makes a new
    one at the next login) and every session of theirs ends; the caller logs out the current one."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        ended = user_sessions_end(user=user)
    log.info("Signed out user %s (id %d) everywhere: %d sessions ended.", user.get_username(), user.pk, ended)


def user_password_change(
    *,
    user,
    old_password: str,
    new_password: str,
    new_password2: str | None = None,
    request: HttpRequest | None = None,
    keep_session_key: str | None = None,
) -> str:
    """Change ``user``'s password after checking ``old_password`` (through :func:`user_password_check`:
    with ``request``, wrong ones count towards the login lockout), then end every other way in: the
    API token is replaced and every session but ``keep_session_key`` ends. (The caller keeps its own
    session valid with Django's ``update_session_auth_hash``.)

    The new password goes through Django's ``PasswordChangeForm`` checks (``AUTH_PASSWORD_VALIDATORS``,
    and ``new_password2`` must match when given). Raises ``AccountLocked`` or ``ValidationError`` keyed
    by ``old_password``, ``new_password`` (and ``new_password2`` for a mismatch when it was given);
    then nothing changes. Returns the new token key.
    """
    try:
        user_password_check(user=user, password=old_password, request=request)
    except ValidationError:
        raise ValidationError({"old_password": [PasswordChangeForm.error_messages["password_incorrect"]]}) from None
    confirmation = new_password if new_password2 is None else new_password2
    form = PasswordChangeForm(
        user, data={"old_password": old_password, "new_password1": new_password, "new_password2": confirmation}
    )
    if not form.is_valid():
        renamed = {"new_password1": "new_password"}
        if new_password2 is None:
            renamed["new_password2"] = "new_password"
        errors: dict[str, list] = {}
        for field, field_errors in form.errors.as_data().items():
            errors.setdefault(renamed.get(field, field), []).extend(field_errors)
        raise ValidationError(errors)
    with transaction.atomic():
        form.save()
        Token.objects.filter(user=user).delete()
        key = Token.objects.create(user=user).key
        ended = user_sessions_end(user=user, keep_session_key=keep_session_key)
    log.info("User %s (id %d) changed their password: %d other sessions ended.", user.get_username(), user.pk, ended)
    return key


def user_delete(*, user, password: str, request: HttpRequest | None = None) -> None:
    """Delete ``user`` and everything of theirs, after confirming their ``password`` (see
    :func:`user_password_check`; ``request`` makes wrong passwords count towards the lockout).

    Rows: everything that cascades from the user (their profile, API token, and every room's rows)
    and django-axes' login attempts and logs under their username, in one transaction. Files are the
    rooms' business: they delete theirs once the transaction commits (``post_delete`` signals).
    Before deleting it sends ``accounts.signals.user_deleting`` in the same transaction (the closet
    locks the user's photos there, so a worker writing garments finishes first or finds nothing).
    Sessions of the user stop working (their user no longer exists); the caller logs out the
    current one. Raises ``ValidationError`` (``password``) or ``AccountLocked``; then nothing changes.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    user_password_check(user=user, password=password, request=request)
    user_id, username = int(user.pk), user.get_username()
    with transaction.atomic():
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username=username).delete()
        user_deleting.send(sender=type(user), user=user)  # the rooms lock what their workers write
        user.delete()
    log.info("Deleted user %s (id %d) and their files.", username, user_id)

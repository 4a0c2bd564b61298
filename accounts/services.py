"""Account writes."""
from __future__ import annotations

import logging
import math
import os
import posixpath

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import Profile

log = logging.getLogger(__name__)

#: Folders of ``MEDIA_ROOT`` that hold one sub-folder per user id (see ``wardrobe.models``' upload_to).
USER_MEDIA_FOLDERS = ("photos", "garments")


class AccountLocked(Exception):
    """Too many failed logins for this username from this address (django-axes): wait for the cool-off."""


def user_create(*, username: str, password: str, password2: str):
    """Create a user after checking the username, the confirmation and AUTH_PASSWORD_VALIDATORS.

    Raises ``ValidationError`` as a dict keyed by ``username`` / ``password`` / ``password2``.
    Returns the new user.
    """
    User = get_user_model()
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        User.username_validator(username)
    except ValidationError as exc:
        errors["username"] = exc.messages
    if not username:
        errors["username"] = ["This field is required."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if password != password2:
        errors["password2"] = ["The two password fields didn't match."]
    try:
        validate_password(password, user=User(username=username))
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password)
    return user


def token_get_or_create(*, user) -> str:
    """The user's API token key (created on first use)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


#: Fields :func:`profile_update` changes.
PROFILE_FIELDS = frozenset({"language", "review_threshold", "currency", "location_name", "latitude", "longitude",
                            "weather_provider"})


def profile_update(*, user, **fields) -> Profile:
    """Change the user's settings: ``language`` ("" or a code of ``settings.LANGUAGES``),
    ``review_threshold`` (float in [0, 1]), ``currency`` (ISO 4217 code of ``settings.CURRENCIES``),
    the weather place ``latitude`` (degrees, -90..90, north positive) and ``longitude`` (degrees,
    -180..180, east positive), both or neither (None: no place), with ``location_name`` (its label,
    at most 200 characters; cleared when the coordinates change without a new one, or are removed)
    and ``weather_provider`` (``"open-meteo"`` or ``"manual"``).

    Raises ``ValidationError`` (dict keyed by field) for an unknown field or a bad value; then
    nothing is saved. Returns the profile.
    """
    from django.conf import settings

    from accounts.selectors import profile_get

    profile = profile_get(user=user)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    if "currency" in fields and fields["currency"] not in settings.CURRENCIES:
        raise ValidationError({"currency": [f"Choose one of {', '.join(settings.CURRENCIES)}."]})
    errors: dict[str, list[str]] = {}
    for name in ("latitude", "longitude"):
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors[name] = [_("Enter a number.")]
        else:
            fields[name] = float(value)
    if errors:
        raise ValidationError(errors)
    if ("latitude" in fields or "longitude" in fields) and "location_name" not in fields:
        moved = (fields.get("latitude", profile.latitude), fields.get("longitude", profile.longitude)) != (
            profile.latitude, profile.longitude)
        if moved:
            fields["location_name"] = ""  # the old label names another place
    if "location_name" in fields:
        fields["location_name"] = " ".join((fields["location_name"] or "").split())
    for name, value in fields.items():
        setattr(profile, name, value)
    try:
        if (profile.latitude is None) != (profile.longitude is None):
            missing = "longitude" if profile.longitude is None else "latitude"
            raise ValidationError({missing: [_("Give both latitude and longitude, or neither.")]})
        if profile.latitude is None and profile.location_name:
            if "location_name" in fields and fields["location_name"]:
                raise ValidationError({"location_name": [
                    _("A place needs its coordinates: look it up by name or give its latitude and longitude.")]})
            profile.location_name = ""  # the coordinates were removed: so is their label
        profile.full_clean(exclude=["user"])
    except ValidationError:
        profile.refresh_from_db()
        raise
    profile.save()
    return profile


def location_from_name(*, name: str, language: str | None = None) -> dict:
    """Look ``name`` up with the place search (``wardrobe.weather.geocode``; names in ``language``,
    default the active one) and return the profile fields of the best match: ``location_name``
    (``"City, Region, Country"``), ``latitude``, ``longitude`` (degrees).

    Raises ``ValidationError`` (``city``) for an empty name or when no place has it, and
    ``wardrobe.weather.WeatherUnavailable`` (a message for the user) when the place search cannot be
    reached or answers something unreadable.
    """
    from wardrobe.weather import geocode

    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"city": [_("Type the name of a city.")]})
    places = geocode(name, language)
    if not places:
        raise ValidationError({"city": [_("No place called “%(name)s” was found. Check the spelling, add the "
                                          "country, or give coordinates.") % {"name": name}]})
    place = places[0]
    return {"location_name": place.label[:200], "latitude": place.latitude, "longitude": place.longitude}


def profile_set_location_by_name(*, user, name: str, language: str | None = None) -> Profile:
    """Set ``user``'s weather place to the best match for ``name`` (see :func:`location_from_name`).
    Raises ``ValidationError`` (``city``) or ``wardrobe.weather.WeatherUnavailable``; then nothing
    changes. Returns the profile."""
    return profile_update(user=user, **location_from_name(name=name, language=language))


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


def _user_media_delete(storage: Storage, folders: list[str]) -> None:
    """Delete every file under each of ``folders`` (storage names) and, on a file system, the folders."""
    for folder in folders:
        try:
            subfolders, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in files:
            storage.delete(posixpath.join(folder, name))
        _user_media_delete(storage, [posixpath.join(folder, sub) for sub in subfolders])
        try:
            path = storage.path(folder)
        except NotImplementedError:  # not a file system: folders are not things of their own
            continue
        try:
            os.rmdir(path)
        except OSError as exc:  # something appeared meanwhile: leave it, say so
            log.warning("Could not remove %s after deleting its user: %s", path, exc)


def user_delete(*, user, password: str, request: HttpRequest | None = None) -> None:
    """Delete ``user`` and everything of theirs, after confirming their ``password`` (see
    :func:`user_password_check`; ``request`` makes wrong passwords count towards the lockout).

    Rows: photos, garments, wear logs, profile, API token (cascades from the user) and django-axes'
    login attempts and logs under their username, in one transaction. Files: once it commits, the
    photos, masks and cutouts (``wardrobe.signals``) and then the user's folders under
    ``MEDIA_ROOT`` (``photos/<id>/``, ``garments/<id>/``) with anything else left in them.
    Sessions of the user stop working (their user no longer exists); the caller logs out the
    current one. Raises ``ValidationError`` (``password``) or ``AccountLocked``; then nothing changes.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    user_password_check(user=user, password=password, request=request)
    user_id, username = int(user.pk), user.get_username()
    folders = [f"{prefix}/{user_id}" for prefix in USER_MEDIA_FOLDERS]
    with transaction.atomic():
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username=username).delete()
        user.delete()
        # Registered after the per-file callbacks of the cascade, so it runs after them.
        transaction.on_commit(lambda: _user_media_delete(default_storage, folders))
    log.info("Deleted user %s (id %d) and their files.", username, user_id)

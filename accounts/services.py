"""Account writes."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import Profile


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


def profile_update(*, user, **fields) -> Profile:
    """Change the user's settings: ``language`` ("" or a code of ``settings.LANGUAGES``),
    ``review_threshold`` (float in [0, 1]), ``currency`` (ISO 4217 code of ``settings.CURRENCIES``).

    Raises ``ValidationError`` (dict keyed by field) for an unknown field or a bad value; then
    nothing is saved. Returns the profile.
    """
    from django.conf import settings

    from accounts.selectors import profile_get

    profile = profile_get(user=user)
    unknown = set(fields) - {"language", "review_threshold", "currency"}
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    if "currency" in fields and fields["currency"] not in settings.CURRENCIES:
        raise ValidationError({"currency": [f"Choose one of {', '.join(settings.CURRENCIES)}."]})
    for name, value in fields.items():
        setattr(profile, name, value)
    try:
        profile.full_clean(exclude=["user"])
    except ValidationError:
        profile.refresh_from_db()
        raise
    profile.save()
    return profile

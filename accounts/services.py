"""Account writes."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token


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

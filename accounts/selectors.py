"""Account reads."""

from __future__ import annotations

from accounts.models import Profile


def profile_keep_loaded(user) -> None:
    """Keep the profile that ``user`` was read with (``select_related("profile")``) where
    :func:`profile_get` finds it; a user read without one, or who has none yet, is left as is
    (``profile_get`` reads or creates it). No query."""
    if "profile" not in user._state.fields_cache:
        return
    profile = user._state.fields_cache["profile"]
    if profile is not None:
        user._profile_cache = profile


def profile_get(*, user) -> Profile:
    """The user's profile, created with the defaults on first use (cached on the user object)."""
    profile = getattr(user, "_profile_cache", None)
    if profile is None:
        profile, _ = Profile.objects.get_or_create(user=user)
        user._profile_cache = profile
    return profile

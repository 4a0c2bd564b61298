"""Account reads."""

from __future__ import annotations

from accounts.models import Profile


def profile_get(*, user) -> Profile:
    """The user's profile, created with the defaults on first use (cached on the user object)."""
    profile = getattr(user, "_profile_cache", None)
    if profile is None:
        profile, _ = Profile.objects.get_or_create(user=user)
        user._profile_cache = profile
    return profile

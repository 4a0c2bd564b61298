"""Template context shared by every page."""

from __future__ import annotations


def navigation(request) -> dict:
    """``review_count``: the signed-in user's garments waiting for review (shown in the navigation)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from wardrobe.closet.selectors import review_count

    return {"review_count": review_count(user=user)}

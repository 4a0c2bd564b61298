"""Template context shared by every page."""

from __future__ import annotations


def navigation(request) -> dict:
    """``review_count``: the signed-in user's garments waiting for review (shown in the navigation);
    from ``request.closet_summary`` when the view kept one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from wardrobe.closet.selectors import review_count

    # The closet page has read the summary already (``views.closet``): the same request, no write since.
    return {"review_count": review_count(user=user, summary=getattr(request, "closet_summary", None))}

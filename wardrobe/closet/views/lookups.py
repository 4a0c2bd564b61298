"""Owner-checked lookups the closet's pages share: another user's id is a 404, like a missing one."""

from __future__ import annotations

from django.http import Http404

from wardrobe.closet import selectors
from wardrobe.closet.models import Garment, Photo


def photo_or_404(request, photo_id: int) -> Photo:
    try:
        return selectors.photo_get(user=request.user, photo_id=photo_id)
    except Photo.DoesNotExist:
        raise Http404("No such photo.")


def garment_or_404(request, garment_id: int) -> Garment:
    try:
        return selectors.garment_get(user=request.user, garment_id=garment_id)
    except Garment.DoesNotExist:
        raise Http404("No such garment.")


def kind_choices() -> list[dict]:
    """Options of the "category and type" selects, grouped by category, in the active language:
    ``[{"label": "Section › Category", "options": [("category:type", label), ...]}]``. A category
    offers itself without a type unless one of its types has its name (Pants › Pants)."""
    from vocabulary.taxonomy import kind_value

    groups = []
    for c in selectors.category_choices():
        types = list(c.types.all())
        options = [] if any(t.name == c.name for t in types) else [(kind_value(c.slug, None), c.display_name)]
        options += [
            (kind_value(c.slug, t.slug), t.display_name if t.name == c.name else f"{c.display_name} › {t.display_name}")
            for t in types
        ]
        groups.append({"label": f"{c.section.display_name} › {c.display_name}", "options": options})
    return groups

"""What the closet's pages share: owner-checked lookups (another user's id is a 404, like a missing
one) and the options of the "category and type" pickers, and reading what a person typed in one."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from vocabulary.taxonomy import kind_value, parse_kind
from wardrobe.closet import names, selectors
from wardrobe.closet.models import Category, Garment, Photo
from wardrobe.closet.taxonomy_cache import taxonomy_cached


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


def _category_options(category: Category) -> list[tuple[str, str, str]]:
    """``[("category:type", label, alias)]`` of one category (its ``types`` prefetched), labels in the
    active language (``names.kind_label``). The category offers itself without a type unless one of
    its types is named like it (Pants, Shoe and Shoes): that type's option stands for both, its
    ``alias`` is the category alone (``"shoe:"``); other options' alias is empty."""
    types = list(category.types.all())
    namesake = next((t for t in types if names.same_name(category.name, t.name)), None)
    alone = kind_value(category.slug, None)
    options = [] if namesake else [(alone, category.display_name, "")]
    options += [
        (kind_value(category.slug, t.slug), names.kind_label(category.name, t.name), alone if t is namesake else "")
        for t in types
    ]
    return options


def kind_choices() -> list[dict]:
    """Options of the "category and type" pickers, grouped by category, in the active language:
    ``[{"label": "Section › Category", "options": [("category:type", "Category · Type", alias), ...]}]``
    (see ``_category_options``; a section named like its category shows once: "Shoe"). Built once per
    language and process by the taxonomy cache (:mod:`wardrobe.closet.taxonomy_cache`): shared, not
    to be changed."""
    return taxonomy_cached(
        "kind_choices",
        lambda: [
            {"label": names.kind_label(c.section.name, c.name, separator=" › "), "options": _category_options(c)}
            for c in selectors.category_choices()
        ],
    )


def type_choices() -> list[tuple[str, str]]:
    """``[(type slug, name in the active language)]`` in taxonomy order (the closet's type filter),
    from the taxonomy cache: shared, not to be changed."""
    return taxonomy_cached("type_choices", lambda: [(t.slug, t.display_name) for t in selectors.type_list()])


def kind_options() -> list[dict]:
    """The pickers' options as one list, in taxonomy order: ``{"value": "category:type", "label":
    "Category · Type"}`` in the active language, with ``search``: the labels in every language of
    the app, lower case (a search in English or Korean finds an option whatever the page's language)."""
    categories = list(selectors.category_choices())
    rows = [{"value": value, "label": label} for c in categories for value, label, _alias in _category_options(c)]
    found: dict[str, set[str]] = {row["value"]: set() for row in rows}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            for c in categories:
                for value, label, _alias in _category_options(c):
                    found[value].add(label.casefold())
    for row in rows:
        row["search"] = " | ".join(sorted(found[row["value"]]))
    return rows


def kind_from_text(text: str) -> str:
    """The ``"category:type"`` value a picker's text names: such a value itself, an option's label
    in any language of the app, or the name of one type or category alone, whatever the case and
    spacing ("shoe · sneakers", "신발 · 운동화", "Sneakers"). Raises ``ValidationError`` with a message
    in the active language for an empty text or one that names no option (or several)."""
    text = " ".join(str(text or "").split())
    if not text:
        raise ValidationError(_("Choose what this garment is."), code="required")
    try:
        parse_kind(text)
        return text
    except ValueError:
        pass
    wanted, found = text.casefold(), set()
    categories = list(selectors.category_choices())
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            for c in categories:
                found |= {value for value, label, _alias in _category_options(c) if label.casefold() == wanted}
                found |= {kind_value(c.slug, t.slug) for t in c.types.all() if t.display_name.casefold() == wanted}
    if len(found) == 1:
        return found.pop()
    raise ValidationError(
        _("“%(text)s” is not a category or type we know: pick one from the list.") % {"text": text}, code="unknown"
    )

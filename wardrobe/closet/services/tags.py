"""Tag writes (issue 18): create, rename, delete a person's tags, and set a garment's tags by name.

A tag's name is trimmed, its inner runs of white space become one space, and it is compared with the
owner's other tags case-insensitively (``Tag``'s unique constraint is on ``(owner, lower(name))``).
Errors are ``django.core.exceptions.ValidationError`` keyed by field; nothing is written then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wardrobe.closet.models import Garment
from wardrobe.closet.tag_models import MAX_TAGS_PER_OWNER, TAG_COLOR_PATTERN, TAG_NAME_MAX, Tag

#: The most tags one garment may carry.
MAX_TAGS_PER_GARMENT = 30


def tag_name_clean(name: object, field: str = "name") -> str:
    """``name`` trimmed, inner white space squeezed to one space. Raises ``ValidationError``
    (keyed by ``field``) when it is not a string, empty, longer than :data:`TAG_NAME_MAX`
    characters, or holds a comma or a control character (a NUL cannot be stored)."""
    if not isinstance(name, str):
        raise ValidationError({field: [_("A tag is a word or a few words.")]})
    cleaned = re.sub(r"\s+", " ", name).strip()
    if not cleaned:
        raise ValidationError({field: [_("A tag needs a name.")]})
    if len(cleaned) > TAG_NAME_MAX:
        raise ValidationError({field: [_("A tag has at most %(n)d characters.") % {"n": TAG_NAME_MAX}]})
    if "," in cleaned or any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise ValidationError({field: [_("A tag cannot hold a comma or a control character.")]})
    return cleaned


def _color_clean(color: str | None) -> str:
    color = (color or "").strip()
    if color and not re.fullmatch(TAG_COLOR_PATTERN, color):
        raise ValidationError({"color": [_("Give a colour as #rrggbb.")]})
    return color.lower()


def _taken(owner_id: int, name: str, exclude_id: int | None = None) -> bool:
    qs = Tag.objects.filter(owner_id=owner_id, name__iexact=name)
    return qs.exclude(pk=exclude_id).exists() if exclude_id else qs.exists()


def _room_for(owner, n: int) -> None:
    if Tag.objects.filter(owner=owner).count() + n > MAX_TAGS_PER_OWNER:
        raise ValidationError({"name": [_("You can have at most %(n)d tags.") % {"n": MAX_TAGS_PER_OWNER}]})


def tag_create(*, owner, name: str, color: str = "") -> Tag:
    """A new tag of ``owner``. Raises ``ValidationError`` for a bad name (:func:`tag_name_clean`)
    or colour (``#rrggbb``), a name the owner has already (any case), or past
    :data:`MAX_TAGS_PER_OWNER` tags."""
    name = tag_name_clean(name)
    color = _color_clean(color)
    if _taken(owner.pk, name):
        raise ValidationError({"name": [_("You have a tag “%(name)s” already.") % {"name": name}]})
    _room_for(owner, 1)
    try:
        with transaction.atomic():
            return Tag.objects.create(owner=owner, name=name, color=color)
    except IntegrityError:  # created at the same moment by another request
        raise ValidationError({"name": [_("You have a tag “%(name)s” already.") % {"name": name}]})


def tag_update(*, tag: Tag, name: str | None = None, color: str | None = None) -> Tag:
    """Rename ``tag`` and/or change its colour (None: unchanged; ``color=""`` clears it). A new
    name differing only in case from the old one is allowed. Raises ``ValidationError`` as
    :func:`tag_create` does; then nothing changes."""
    fields = []
    if name is not None:
        name = tag_name_clean(name)
        if _taken(tag.owner_id, name, exclude_id=tag.pk):
            raise ValidationError({"name": [_("You have a tag “%(name)s” already.") % {"name": name}]})
        tag.name = name
        fields.append("name")
    if color is not None:
        tag.color = _color_clean(color)
        fields.append("color")
    if fields:
        try:
            with transaction.atomic():
                tag.save(update_fields=fields)
        except IntegrityError:
            tag.refresh_from_db()
            raise ValidationError({"name": [_("You have a tag “%(name)s” already.") % {"name": name}]})
    return tag


def tag_rename(*, tag: Tag, name: str) -> Tag:
    """Rename ``tag`` (see :func:`tag_update`); its garments keep it."""
    return tag_update(tag=tag, name=name)


def tag_delete(*, tag: Tag) -> None:
    """Delete ``tag``; it leaves every garment it was on (the garments stay)."""
    tag.delete()


def tags_for_names(*, owner, names: Iterable[object], field: str = "tags") -> list[Tag]:
    """The owner's tags named ``names`` (any case; duplicates once, in the order given), creating
    those they lack. Raises ``ValidationError`` (keyed by ``field``) for a bad name or past
    :data:`MAX_TAGS_PER_OWNER` tags, before anything is created. Call inside a transaction."""
    cleaned: dict[str, str] = {}
    for raw in names:
        name = tag_name_clean(raw, field=field)
        cleaned.setdefault(name.casefold(), name)
    if not cleaned:
        return []
    existing = {t.name.casefold(): t for t in Tag.objects.filter(owner=owner)}
    missing = [name for key, name in cleaned.items() if key not in existing]
    if missing:
        if len(existing) + len(missing) > MAX_TAGS_PER_OWNER:
            raise ValidationError({field: [_("You can have at most %(n)d tags.") % {"n": MAX_TAGS_PER_OWNER}]})
        for name in missing:
            existing[name.casefold()] = Tag.objects.create(owner=owner, name=name)
    return [existing[key] for key in cleaned]


def garment_tags_set(*, garment: Garment, names: Iterable[object]) -> list[Tag]:
    """Give ``garment`` exactly the tags ``names`` (its owner's tags, created when new; any case
    matches an existing tag). Returns the tags in the order given. Raises ``ValidationError``
    (``tags``) for a bad name or more than :data:`MAX_TAGS_PER_GARMENT`; nothing changes then."""
    names = list(names)
    if len({n.casefold() if isinstance(n, str) else n for n in names}) > MAX_TAGS_PER_GARMENT:
        raise ValidationError({"tags": [_("At most %(n)d tags an item.") % {"n": MAX_TAGS_PER_GARMENT}]})
    with transaction.atomic():
        tags = tags_for_names(owner=garment.owner, names=names)
        garment.tags.set(tags)
    return tags

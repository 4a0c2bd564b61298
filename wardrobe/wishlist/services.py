"""Wishlist writes: add, edit and delete an item.

A photo is checked like a closet upload (``closet.services.photos.upload_bytes``: the byte limit;
``closet.images.decode_image``: content, pixels, scaled to ``MAX_PHOTO_SIDE``) and stored as a clean
re-encode without metadata (``closet.images.encode_for_storage``); its dominant colours are taken
then (``wishlist.similar.photo_colors``). Errors are ``ValidationError`` keyed by field; nothing is
written then, and no file is left behind.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.selectors import profile_get
from wardrobe.closet.images import decode_image, encode_for_storage
from wardrobe.closet.models import Category, GarmentType
from wardrobe.closet.services.photos import upload_bytes
from wardrobe.wishlist.models import NOTES_MAX, WishlistItem
from wardrobe.wishlist.similar import photo_colors

_UNSET: Any = object()
#: ``photo=KEEP`` (the default of ``wishlist_item_update``): the photo stays as it is.
KEEP: Any = _UNSET
#: Fields copied as they are (checked by the model's ``full_clean``).
PLAIN_FIELDS = ("name", "link", "price", "currency", "notes")


def _kind(category: str | None, type_: str | None) -> tuple[Category | None, GarmentType | None]:
    """(category, type) rows of the slugs; a type alone gives its category. Raises ``ValidationError``
    for an unknown slug or a type of another category."""
    cat = typ = None
    if category:
        cat = Category.objects.select_related("section").filter(slug=category).first()
        if cat is None:
            raise ValidationError({"category": [_("Unknown category %(slug)s.") % {"slug": category}]})
    if type_:
        typ = GarmentType.objects.select_related("category__section").filter(slug=type_).first()
        if typ is None:
            raise ValidationError({"type": [_("Unknown type %(slug)s.") % {"slug": type_}]})
        if cat is not None and typ.category_id != cat.pk:
            raise ValidationError(
                {
                    "type": [
                        _("The type %(type)s is not a kind of %(category)s.")
                        % {"type": typ.display_name, "category": cat.display_name}
                    ]
                }
            )
        cat = typ.category
    return cat, typ


def _photo(uploaded_file: UploadedFile) -> tuple[bytes, str, list[dict]]:
    """(stored bytes, extension, dominant colours) of an upload; ``ValidationError`` keyed ``photo``."""
    try:
        decoded = decode_image(upload_bytes(uploaded_file), max_side=settings.MAX_PHOTO_SIDE)
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages})
    content, extension = encode_for_storage(decoded)
    return content, extension, photo_colors(decoded.image)


def _apply(item: WishlistItem, fields: dict, category: Any, type_: Any) -> None:
    unknown = set(fields) - set(PLAIN_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    if category is not _UNSET or type_ is not _UNSET:
        item.category, item.type = _kind(None if category is _UNSET else category, None if type_ is _UNSET else type_)
    for name, value in fields.items():
        if name == "price" and value not in (None, ""):
            try:
                value = Decimal(str(value))
            except InvalidOperation:
                raise ValidationError({"price": [_("Give a price such as 49.90.")]})
        setattr(item, name, None if name == "price" and value in (None, "") else ("" if value is None else value))
    if isinstance(item.name, str):
        item.name = item.name.strip()
    if item.currency and item.currency not in settings.CURRENCIES:
        raise ValidationError({"currency": [_("Choose one of %(list)s.") % {"list": ", ".join(settings.CURRENCIES)}]})
    if item.price is not None and not item.currency:
        item.currency = profile_get(user=item.owner).currency
    if item.price is None:
        item.currency = ""
    for name in ("name", "link", "notes"):
        if "\x00" in (getattr(item, name) or ""):
            raise ValidationError({name: [_("Null characters are not allowed.")]})
    if len(item.notes or "") > NOTES_MAX:  # a TextField's max_length is not checked by full_clean
        raise ValidationError({"notes": [_("At most %(n)d characters.") % {"n": NOTES_MAX}]})
    item.full_clean(exclude=["owner", "photo", "colors"], validate_unique=False)


def _save(item: WishlistItem, photo: Any) -> WishlistItem:
    old_name = item.photo.name if item.pk else ""
    new_file = None
    if photo is None:  # remove it
        item.photo, item.colors = "", []
    elif photo is not _UNSET:
        content, extension, colors = _photo(photo)
        item.colors = colors
        item.photo.save(f"wish{extension}", ContentFile(content), save=False)
        new_file = item.photo.name
    try:
        with transaction.atomic():
            item.save()
    except Exception:
        if new_file:
            item.photo.storage.delete(new_file)
        raise
    if old_name and old_name != item.photo.name:
        storage = item.photo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return item


def wishlist_item_create(
    *,
    owner,
    name: str,
    photo: UploadedFile | None = None,
    category: str | None = None,
    type: str | None = None,
    **fields: Any,
) -> WishlistItem:
    """Add a wishlist item. ``name`` (1..120 characters); ``photo``: an uploaded image (optional);
    ``link``: an http or https URL (at most 500 characters); ``price`` (Decimal >= 0) and
    ``currency`` (ISO 4217 of ``settings.CURRENCIES``; empty with a price: the owner's default);
    ``category`` / ``type``: slugs (optional; a type alone gives its category); ``notes``.
    Raises ``ValidationError`` (keyed by field) for any bad value or photo; nothing is stored then."""
    item = WishlistItem(owner=owner)
    _apply(item, {"name": name, **fields}, category or None, type or None)
    return _save(item, photo if photo is not None else _UNSET)


def wishlist_item_update(
    *, item: WishlistItem, photo: Any = _UNSET, category: Any = _UNSET, type: Any = _UNSET, **fields: Any
) -> WishlistItem:
    """Edit a wishlist item; only the arguments given change (as :func:`wishlist_item_create`;
    ``photo=None`` removes the photo, an upload replaces it; ``category`` / ``type`` None or "" clear
    them). Raises ``ValidationError``; then nothing is saved and the instance is reloaded."""
    try:
        if category is not _UNSET and type is _UNSET and item.type_id:
            type = item.type.slug if category and item.type.category.slug == category else None
        if type is not _UNSET and category is _UNSET:
            category = None if type else (item.category.slug if item.category_id else None)
        _apply(item, fields, category, type)
        return _save(item, photo)
    except ValidationError:
        item.refresh_from_db()
        raise


def wishlist_item_delete(*, item: WishlistItem) -> None:
    """Delete a wishlist item and (once the transaction commits) its photo."""
    item.delete()

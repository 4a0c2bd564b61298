"""A wishlist item's photo file goes with its row (once the transaction commits)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from wardrobe.wishlist.models import WishlistItem


@receiver(post_delete, sender=WishlistItem, dispatch_uid="wishlist_item_photo")
def _item_deleted(sender, instance: WishlistItem, **kwargs) -> None:
    name, storage = instance.photo.name, instance.photo.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))

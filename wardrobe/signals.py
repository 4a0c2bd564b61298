"""Deleting a Photo or Garment row (directly or by cascade) deletes its files once the transaction commits."""
from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from wardrobe.models import Garment, Photo


def _delete_files_on_commit(*fields) -> None:
    pairs = [(f.storage, f.name) for f in fields if f and f.name]

    def _delete() -> None:
        for storage, name in pairs:
            storage.delete(name)

    transaction.on_commit(_delete)


@receiver(post_delete, sender=Photo, dispatch_uid="wardrobe_photo_files")
def _photo_deleted(sender, instance: Photo, **kwargs) -> None:
    _delete_files_on_commit(instance.image)


@receiver(post_delete, sender=Garment, dispatch_uid="wardrobe_garment_files")
def _garment_deleted(sender, instance: Garment, **kwargs) -> None:
    _delete_files_on_commit(instance.mask, instance.cutout)

"""File clean-up. Deleting a Photo or Garment row (directly or by cascade) deletes its files once the
transaction commits; deleting a user also removes their folders under ``MEDIA_ROOT`` afterwards, and
locks their photos first (``accounts.signals.user_deleting``) so a worker's write finishes before."""

from __future__ import annotations

import logging
import os
import posixpath

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.signals import user_deleting
from wardrobe.closet.models import OWNER_MEDIA_FOLDERS, Garment, Photo

log = logging.getLogger(__name__)


def _delete_files_on_commit(*fields) -> None:
    pairs = [(f.storage, f.name) for f in fields if f and f.name]

    def _delete() -> None:
        for storage, name in pairs:
            storage.delete(name)

    transaction.on_commit(_delete)


@receiver(user_deleting, dispatch_uid="closet_lock_photos_of_deleted_user")
def _lock_photos_of_deleted_user(sender, user, **kwargs) -> None:
    """Lock every photo of ``user`` (by id, the order in which one worker at a time takes one) before
    the account's rows go: a worker writing a photo's garments holds its lock, so the deletion waits
    for it and then deletes what it wrote; a worker coming after finds its photo gone."""
    list(Photo.objects.select_for_update().filter(owner=user).order_by("pk").values_list("pk", flat=True))


@receiver(post_delete, sender=Photo, dispatch_uid="closet_photo_files")
def _photo_deleted(sender, instance: Photo, **kwargs) -> None:
    _delete_files_on_commit(instance.image)


@receiver(post_delete, sender=Garment, dispatch_uid="closet_garment_files")
def _garment_deleted(sender, instance: Garment, **kwargs) -> None:
    _delete_files_on_commit(
        instance.mask, instance.cutout, instance.model_mask, instance.model_cutout, instance.stain_mask
    )


def _folders_delete(storage: Storage, folders: list[str]) -> None:
    """Delete every file under each of ``folders`` (storage names) and, on a file system, the folders."""
    for folder in folders:
        try:
            subfolders, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in files:
            storage.delete(posixpath.join(folder, name))
        _folders_delete(storage, [posixpath.join(folder, sub) for sub in subfolders])
        try:
            path = storage.path(folder)
        except NotImplementedError:  # not a file system: folders are not things of their own
            continue
        try:
            os.rmdir(path)
        except OSError as exc:  # something appeared meanwhile: leave it, say so
            log.warning("Could not remove %s after deleting its user: %s", path, exc)


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="closet_user_folders")
def _user_deleted(sender, instance, **kwargs) -> None:
    """After the user's rows (and the per-file callbacks of their cascade, registered before this
    one): their folders ``photos/<id>/`` and ``garments/<id>/`` with anything left in them."""
    folders = [f"{prefix}/{int(instance.pk)}" for prefix in OWNER_MEDIA_FOLDERS]
    transaction.on_commit(lambda: _folders_delete(default_storage, folders))

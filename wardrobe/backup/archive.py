"""Opening an uploaded zip safely, before a byte of it is trusted: the checks every import runs on the
archive's directory (its central directory) and on each member it reads.

Refused with ``ValidationError`` (a sentence in the active language, nothing written):

* not a zip, or a broken one (``zipfile.BadZipFile``, a bad CRC, a member shorter or longer than
  its header says);
* an archive over ``settings.IMPORT_MAX_BYTES`` bytes;
* more than :data:`MAX_ENTRIES` members (or a directory over :data:`MAX_DIRECTORY_BYTES`, read from
  the zip's end record first); the same name twice;
* a name that could leave the folder it is unpacked in: absolute (``/x``, ``C:x``), with a ``..``
  part, a backslash or a NUL; a symbolic link (Unix mode ``S_IFLNK`` in ``external_attr``);
* a zip bomb: the members' sizes together over :func:`max_uncompressed_bytes`, or one member
  expanding more than :data:`MAX_RATIO` times (over :data:`RATIO_FLOOR_BYTES`);
* a member over its own limit (:func:`read_member`: images ``MAX_UPLOAD_BYTES``, the JSON document
  :data:`MAX_DOCUMENT_BYTES`), checked on its header and again while it is read, so a header that
  lies cannot make it read more.

Nothing is ever extracted to disk: members are read into memory one at a time.
"""

from __future__ import annotations

import posixpath
import stat
import zipfile
import zlib
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: The most members an archive may hold (an export has 1 + photos + 2..4 per garment).
MAX_ENTRIES = 100_000
#: The most bytes the archive's directory may hold (about 160 bytes a member): checked from the zip's
#: end record before Python reads the directory, which it holds in memory, a few hundred bytes a member.
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024
#: The most a member may expand (uncompressed / compressed size). Deflate reaches about 1,000 on
#: runs of one byte; JSON text about 5-10, JPEG and PNG (stored) 1.
MAX_RATIO = 100
#: Members smaller than this (uncompressed) are not held to :data:`MAX_RATIO` (a short JSON file of
#: spaces would trip it for nothing).
RATIO_FLOOR_BYTES = 1024 * 1024
#: The most bytes the JSON document (``items.json``, ``items.csv``) may hold once uncompressed.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def max_archive_bytes() -> int:
    """``settings.IMPORT_MAX_BYTES``: the most bytes an uploaded archive may hold (int)."""
    return int(settings.IMPORT_MAX_BYTES)


def max_uncompressed_bytes() -> int:
    """The most bytes the members of one archive may hold together once uncompressed: four times
    :func:`max_archive_bytes` (an export stores its pictures uncompressed, so it expands little)."""
    return 4 * max_archive_bytes()


def _too_big(size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("The archive is too big: %(size)s bytes, the limit is %(limit)s bytes.")
        % {"size": f"{size:,}", "limit": f"{limit:,}"},
        code="too_big",
    )


def _unsafe_name(name: str) -> bool:
    """Whether a member's name could point outside the folder it would be unpacked in."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return True
    if len(name) > 1 and name[1] == ":":  # C:x
        return True
    return any(part == ".." for part in name.split("/"))


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def open_archive(file: IO[bytes]) -> zipfile.ZipFile:
    """Open an uploaded archive (a binary file, seekable) and check its directory (see the module's
    docstring). Returns the open ``ZipFile`` (the caller closes it). Raises ``ValidationError``."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size > max_archive_bytes():
        raise _too_big(size, max_archive_bytes())
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    file.seek(0)
    try:
        end = zipfile._EndRecData(file)  # the end record: counts before Python reads the directory
        if end is None:
            raise zipfile.BadZipFile("no end of central directory")
        if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ENTRIES or end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:
            raise ValidationError(
                _("The archive holds %(n)s files, the limit is %(limit)s.")
                % {"n": f"{end[zipfile._ECD_ENTRIES_TOTAL]:,}", "limit": f"{MAX_ENTRIES:,}"},
                code="too_many_files",
            )
        file.seek(0)
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise ValidationError(_("The file is not a zip archive, or the archive is broken."), code="not_a_zip")
    try:
        check_directory(infos)
    except ValidationError:
        archive.close()
        raise
    return archive


def check_directory(infos: list[zipfile.ZipInfo]) -> None:
    """The checks of the archive's directory: count, names, links, sizes, ratios. Raises
    ``ValidationError``."""
    if len(infos) > MAX_ENTRIES:
        raise ValidationError(
            _("The archive holds %(n)s files, the limit is %(limit)s.")
            % {"n": f"{len(infos):,}", "limit": f"{MAX_ENTRIES:,}"},
            code="too_many_files",
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name) or _is_symlink(info):
            raise ValidationError(
                _("The archive holds a path that leaves the archive: %(name)s") % {"name": name[:200]},
                code="unsafe_path",
            )
        if name in seen:
            raise ValidationError(_("The archive holds %(name)s twice.") % {"name": name[:200]}, code="duplicate_name")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ValidationError(_("The archive is encrypted: export it again without a password."), code="encrypted")
        total += info.file_size
        if total > max_uncompressed_bytes():
            raise ValidationError(
                _("The archive expands to more than %(limit)s bytes: it is refused as a zip bomb.")
                % {"limit": f"{max_uncompressed_bytes():,}"},
                code="zip_bomb",
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ValidationError(
                _("%(name)s expands %(ratio)s times: it is refused as a zip bomb.")
                % {"name": name[:200], "ratio": f"{info.file_size // max(info.compress_size, 1):,}"},
                code="zip_bomb",
            )


def member_name(value, *, folder: str | None = None) -> str:
    """A member name as written in a manifest: a string, a safe relative path, inside ``folder``
    when given. Raises ``ValidationError``."""
    if not isinstance(value, str) or _unsafe_name(value) or posixpath.normpath(value) != value:
        raise ValidationError(
            _("The archive holds a path that leaves the archive: %(name)s") % {"name": str(value)[:200]},
            code="unsafe_path",
        )
    if folder is not None and posixpath.dirname(value) != folder:
        raise ValidationError(
            _("%(name)s is not in the folder %(folder)s/.") % {"name": value[:200], "folder": folder},
            code="bad_manifest",
        )
    return value


def read_member(archive: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    """The bytes of member ``name``, at most ``limit`` of them (default ``settings.MAX_UPLOAD_BYTES``).

    Raises ``ValidationError``: ``missing_file`` (not in the archive: the manifest does not match the
    files), ``too_big`` (over ``limit`` by its header, or by what it really expands to) or
    ``not_a_zip`` (a bad CRC or broken compressed data)."""
    limit = settings.MAX_UPLOAD_BYTES if limit is None else limit
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValidationError(
            _("items.json names %(name)s, which is not in the archive.") % {"name": name[:200]},
            code="missing_file",
        )
    too_big = ValidationError(
        _("%(name)s is too big: the limit is %(limit)s bytes.") % {"name": name[:200], "limit": f"{limit:,}"},
        code="too_big",
    )
    if info.file_size > limit:
        raise too_big
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        raise ValidationError(_("%(name)s is damaged in the archive.") % {"name": name[:200]}, code="not_a_zip")
    if len(data) > limit:
        raise too_big
    return data

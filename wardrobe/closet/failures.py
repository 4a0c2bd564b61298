"""Why a photo or a drawn box failed: a stable code and its parameters are stored, the sentence is
written when someone reads it, in the reader's language (the worker that failed the photo runs in
the server's language, and the person may switch language later).

The technical detail (exception type and text) goes to the worker's log and to the row's ``error``
field, which only the Django admin shows; a person never sees a raw Python error.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

#: code -> sentence (marked for translation, translated when read; ``%(name)s`` placeholders are
#: filled from the row's ``error_params``).
FAILURES = {
    "unreadable": _("The stored photo could not be read. Delete it and upload the photo again."),
    "analysis": _(
        "The garment finder stumbled on this photo. Try again; if it fails again, take the photo "
        "again in better light or on a plain background, or add the garment by drawing a box."
    ),
    "time_limit": _("Processing took longer than the limit of %(s)s seconds."),
    "time_limit_loading": _(
        "Processing took longer than the limit of %(s)s seconds (while loading the vision models)."
    ),
    "gave_up": _("Processing stopped %(n)s times (the worker crashed or ran out of time); this photo was given up."),
    "models_unavailable": _(
        "The garment finder is not available on this server right now. Try again later; the "
        "administrator can see why in the worker's log."
    ),
    "box_empty": _("Nothing could be cut out inside that box. Draw it closer around the garment."),
    "box_failed": _("The garment inside that box could not be cut out. Try again, or draw the box again."),
}

#: The sentence for a failed row that has neither a code nor a readable text.
GENERIC = _("We could not analyse this photo.")

#: ``SomeError: ...`` or ``module.SomeError: ...``: what a raw Python error looks like.
_RAW_ERROR = re.compile(r"^[\w.]*(Error|Exception|Exceeded|Interrupt)\b")


class Failure(models.Model):
    """Fields of a row that can end ``failed``: ``error_code`` (a key of ``FAILURES``),
    ``error_params`` (its placeholders) and ``error`` (technical detail for the admin)."""

    error_code = models.CharField(max_length=32, blank=True, choices=[(k, k) for k in FAILURES])
    error_params = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="Technical detail for administrators; never shown to the owner.")

    class Meta:
        abstract = True

    @property
    def failure_message(self) -> str:
        """The reason it failed, one sentence in the active language; ``""`` when it did not fail."""
        return failure_message(self.error_code, self.error_params, self.error)


def failure_message(code: str, params: dict | None, detail: str = "") -> str:
    """The sentence for failure ``code`` with ``params``, in the active language.

    Rows failed before codes existed have only ``detail``: it is shown when it is a sentence, the
    generic sentence when it looks like a raw Python error. Returns ``""`` for no failure at all.
    """
    if code in FAILURES:
        text = gettext(FAILURES[code])
        try:
            return text % (params or {})
        except (KeyError, TypeError, ValueError):
            return gettext(GENERIC)
    if not detail:
        return ""
    return gettext(GENERIC) if _RAW_ERROR.match(detail) else detail


def failure_fields(code: str, params: dict | None = None, detail: str = "") -> dict:
    """The values to write for failure ``code`` (``error_code``, ``error_params``, ``error``), the
    detail cut to 2,000 characters. Raises ``KeyError`` for an unknown code (a programming error)."""
    FAILURES[code]  # noqa: B018 - fail loudly on a typo
    return {"error_code": code, "error_params": dict(params or {}), "error": " ".join(str(detail).split())[:2000]}


#: The API's description of the ``error`` field of photos and box requests.
HELP = "Why it failed, one sentence in the language of the request; empty unless failed."

NO_FAILURE = {"error_code": "", "error_params": {}, "error": ""}

"""Signals the accounts room sends; the rooms above connect to them (accounts knows no domain)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by ``accounts.services.user_delete`` inside its transaction, just before the user's rows are
#: deleted, with ``user``. A room whose rows are written by other processes (the closet's workers)
#: locks them here, in the same order its writers do, so the deletion waits for a write under way
#: and then finds everything it wrote.
user_deleting = Signal()

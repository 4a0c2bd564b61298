"""A list page's JSON kept as bytes (issue 18 point 10).

A page of the garment list is kept in the cache, and each garment of it too (per revision), so that
after an edit only the edited garment is serialized again. Kept as Python dicts, a page of 50 was
unpickled from the cache and then rendered to JSON on every request (about 2 ms of CPU); kept as the
bytes that DRF's ``JSONRenderer`` makes of them, a page is put together by joining bytes
(:func:`page_json`) and sent as it is (:class:`JSONRenderer`). The bytes are the same as DRF's
rendering of the same data (``tests/core/test_raw_json.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from rest_framework import renderers

#: How a paginated page's rendering ends while its results are empty (``"results"`` is its last key).
_EMPTY_RESULTS = b'"results":[]}'


class RawJSON(Mapping):
    """Rendered JSON (``content``, UTF-8 bytes of a JSON object) that reads as the mapping it holds
    (parsed on first use: tests read ``response.data["results"]``; the browsable API renders it)."""

    __slots__ = ("content", "_parsed")

    def __init__(self, content: bytes):
        self.content = content
        self._parsed: dict | None = None

    def parsed(self) -> dict:
        """The object ``content`` holds (``json.loads``, once)."""
        if self._parsed is None:
            self._parsed = json.loads(self.content)
        return self._parsed

    def __getitem__(self, key: str) -> Any:
        return self.parsed()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.parsed())

    def __len__(self) -> int:
        return len(self.parsed())


class JSONRenderer(renderers.JSONRenderer):
    """DRF's ``JSONRenderer``, which sends :class:`RawJSON` as it is (compact, as DRF renders it by
    default); with an indent asked for (``Accept: application/json; indent=4``, the browsable API)
    it renders the parsed data as DRF does."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, RawJSON):
            if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
                return data.content
            data = data.parsed()
        return super().render(data, accepted_media_type, renderer_context)


_renderer = renderers.JSONRenderer()


def render_json(data: Any) -> bytes:
    """``data`` (serializer output: dicts, lists, strings, numbers) as DRF's default ``JSONRenderer``
    renders it: compact, UTF-8. Raises ``TypeError`` for what JSON cannot hold."""
    return _renderer.render(data)


def page_json(envelope: Mapping, items: list[bytes]) -> bytes:
    """A paginated page (``envelope``: ``count``, ``next``, ``previous``, ``results`` last and
    empty) with ``items`` (each :func:`render_json` of one result) as its results: the same bytes as
    :func:`render_json` of the page with its results. Raises ``ValueError`` for an envelope whose
    last key is not an empty ``results``."""
    head = render_json(envelope)
    if not head.endswith(_EMPTY_RESULTS):
        raise ValueError("page_json needs an envelope whose last key is an empty 'results' list")
    return head[:-2] + b",".join(items) + b"]}"

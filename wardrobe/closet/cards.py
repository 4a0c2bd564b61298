"""The garment card of the closet grids (the closet page, a photo's page), built in Python.

A card was a template include: about 0.2 ms of CPU each, 10 ms for a page of 48, most of the closet
page's budget (issue 18 point 10: <= 15 ms of web CPU a request). Here the same markup is one
f-string per card, every value escaped with the standard library's ``html.escape`` (as Django's
``escape``, without its lazy-string wrapper) and URLs from :func:`picture_urls.object_url`.

A card is kept in Django's cache under its garment's revision (:func:`garment_cards_html`), so that
after an edit of one item only its card is built again (its colours read; the page's card columns
come with its order, in one query): the first closet page after a change cost 27-35 ms of CPU, more
than the 15 ms of issue 18 point 10."""

from __future__ import annotations

from html import escape

from django.db.models import QuerySet
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from wardrobe.closet import selectors, summary_selectors
from wardrobe.closet.models import Garment
from wardrobe.closet.picture_urls import garment_picture_url, object_url

#: Seconds a card is kept (``garment_cards_html``).
CARD_SECONDS = 600


def _meta(garment: Garment) -> str:
    """The card's last line (HTML): waiting for review, archived (why), or how often it was worn."""
    if garment.status == Garment.Status.REVIEW:
        return f'<span class="status status-pending">{escape(gettext("To review"))}</span>'
    if garment.status == Garment.Status.ARCHIVED:
        return f'<span class="status">{escape(str(garment.get_archive_reason_display()))}</span>'
    if garment.wear_count:
        n = garment.wear_count
        return escape(ngettext("worn %(n)s time", "worn %(n)s times", n) % {"n": n})
    wash = ""
    if garment.laundry == Garment.Laundry.WASH:
        wash = f' · <span class="wash">{escape(gettext("in the wash"))}</span>'
    return escape(gettext("not worn yet")) + wash


def garment_card_html(garment: Garment, *, selectable: bool = False) -> SafeString:
    """One card: the picture, name, brand, up to three colour dots and the wear line, linking to
    the item's page; with ``selectable``, a check-box of the closet's ``bulk-form``.

    ``garment`` needs ``category`` and ``type`` loaded and ``card_hexes`` set (hex codes of its first
    three colours: ``selectors.garment_cards``)."""
    pk = int(garment.pk)
    label = escape(str(garment.label))
    pick = ""
    if selectable:
        select = escape(gettext("Select %(name)s") % {"name": garment.label})
        pick = (
            f'<input type="checkbox" name="ids" value="{pk}" id="pick-{pk}" class="pick" form="bulk-form">\n'
            f'  <label for="pick-{pk}" class="sr-only">{select}</label>'
        )
    brand = f' <span class="muted">· {escape(garment.brand)}</span>' if garment.brand else ""
    dots = "".join(
        f'<i><svg viewBox="0 0 1 1"><rect width="1" height="1" fill="{escape(h)}"/></svg></i>'
        for h in garment.card_hexes
    )
    archived = " archived" if garment.status == Garment.Status.ARCHIVED else ""
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'<div class="tile{archived}">\n  {pick}\n  <a href="{object_url("closet:garment-detail", pk)}">\n'
        f'    <img src="{escape(garment_picture_url(garment))}" alt="{label}" loading="lazy">\n'
        f'    <span class="caption"><span class="name">{label}{brand}</span>\n'
        f'      <span class="dots" aria-hidden="true">{dots}</span>\n    </span>\n'
        f'    <span class="meta">{_meta(garment)}</span>\n  </a>\n</div>'
    )


def garment_cards_html(page: QuerySet[Garment], *, selectable: bool, taxonomy: int) -> SafeString:
    """The cards of the garments of ``page`` (a filtered, sorted and sliced queryset), one after
    the other, as :func:`garment_card_html` builds them. The page is read in one query: each
    garment's ``revision`` (``Garment.revision``) and the columns its card shows
    (``selectors.CARD_FIELDS``). Each card is kept
    ``CARD_SECONDS`` in the cache under its garment's id and revision (which change with anything
    the card shows of it, colours included), ``selectable``, the language, the script prefix and
    the version of the shared taxonomy (``taxonomy``: its category and type names): a card is
    never kept after what it shows has changed, whatever changed it. Only the cards not kept are
    built, their colours read in one more query; with the cache unreachable, all of them."""
    parts = ("card", bool(selectable), get_language(), get_script_prefix(), int(taxonomy))
    read = list(page.select_related(None).prefetch_related(None).values_list(*selectors.CARD_FIELDS, "revision"))
    values = {row[0]: row[:-1] for row in read}  # CARD_FIELDS begins with the id
    rows = [(row[0], row[-1]) for row in read]

    def build(ids: list[int]) -> dict[int, str]:
        garments = selectors.garment_cards_from_rows(selectors.garment_card_rows_from_values([values[i] for i in ids]))
        return {g.pk: str(garment_card_html(g, selectable=selectable)) for g in garments}

    cards = summary_selectors.garments_cached(rows=rows, parts=parts, build=build, seconds=CARD_SECONDS)
    return mark_safe("".join(cards))  # noqa: S308 (each card escapes its values)

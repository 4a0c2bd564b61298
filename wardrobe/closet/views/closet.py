"""The closet page: sections and categories with counts, filters, sort, search, pages, and bulk
actions on the ticked items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from vocabulary.attributes import ATTRIBUTE_NAMES
from wardrobe.closet import cards, selectors, services, summary_selectors
from wardrobe.closet.attribute_names import attribute_label, value_choices
from wardrobe.closet.bulk_forms import BulkEditForm
from wardrobe.closet.filters import SORTS, STATES
from wardrobe.closet.forms import BulkForm, season_choices
from wardrobe.closet.views.lookups import kind_choices, type_choices
from wardrobe.core.http import query_without, safe_next

#: The closet page's ``state`` choices (``filters.STATES`` without the review queue, its own page).
PAGE_STATES = ("closet", "clean", "wash", "archived", "all")


def home(request):
    return redirect("closet:closet" if request.user.is_authenticated else "accounts:login")


#: Garments on a closet page.
PAGE_SIZE = 48
#: Seconds a rendered part of the closet page is kept (``{% cache %}`` in ``closet.html``): its key
#: holds the closet version (the user's and the taxonomy's), so any change renders it again at once.
FRAGMENT_SECONDS = 60


@login_required
@require_GET
def closet(request):
    """The closet page. Its parts are rendered once per version of what they show, language and
    address (``{% cache %}``): the filters and sidebar per version of the counts, colours, tags,
    taxonomy and the list's count; the grid per closet version, and within it the bulk edit per
    version of tags and taxonomy. What they need is passed as callables, which the template calls
    only when it renders them. The garments are counted once per closet version
    (``summary_selectors.garment_count``); a grid rendered again reads its page's rows (revision
    and card columns, one query) and builds only the cards not kept since their garment last
    changed (``cards.garment_cards_html``)."""
    params = request.GET
    filters = {
        name: params.get(name) or None
        for name in ("section", "category", "type", "color", "season", "q", "tag", *ATTRIBUTE_NAMES, "stained")
    }
    state = params.get("state") if params.get("state") in PAGE_STATES else "closet"
    sort = params.get("sort") if params.get("sort") in SORTS else "newest"
    user = request.user
    summary = summary_selectors.closet_summary(user=user)  # cached per closet version
    request.closet_summary = summary  # the navigation's review count (context_processors.navigation)
    sections = selectors.section_list_with_counts(user=user, summary=summary)

    def garments():
        return selectors.garment_list(
            user=user, strict=False, filters={**{k: v for k, v in filters.items() if v}, "state": state, "sort": sort}
        )

    if state == "closet" and not any(filters.values()):
        count = sum(s.count for s in sections)  # the same garments, already counted
    else:
        count = summary_selectors.garment_count(
            user=user, versions=summary.versions, params={**filters, "state": state}, count=lambda: garments().count()
        )
    page = Paginator(range(count), PAGE_SIZE).get_page(params.get("page"))  # numbers only: no rows read here
    first = (page.number - 1) * PAGE_SIZE
    tags = list(summary.tags)
    versions = summary.versions
    return render(
        request,
        "closet/closet.html",
        {
            "fragment_seconds": FRAGMENT_SECONDS,
            # What the filters and sidebar show: counts, colours, tags, taxonomy, this list's count.
            "filters_version": f"{versions.counts}.{versions.colors}.{versions.tags}.{versions.taxonomy}.{count}",
            "closet_version": summary.version,  # the grid: any change of the closet
            "bulk_version": f"{versions.tags}.{versions.taxonomy}",  # the bulk edit's tags and kinds
            "cards": lambda: cards.garment_cards_html(
                garments()[first : first + PAGE_SIZE],
                selectable=True,
                taxonomy=versions.taxonomy,
            ),
            "sections": sections,
            "page": page,
            "filters": filters,
            "state": state,
            "sort": sort,
            "total": sum(s.count for s in sections),
            "type_choices": type_choices,
            "color_choices": lambda: [(c, gettext(c)) for c in summary.colors],
            "seasons": season_choices,
            "states": [(value, STATES[value]) for value in PAGE_STATES],
            "sorts": [(value, label) for value, (label, _order) in SORTS.items()],
            "page_query": lambda: query_without(request, "page"),
            "filtered": any(filters.values()) or state != "closet",
            "bulk_actions": BulkForm.ACTIONS,
            "tags": tags,  # issue 18: the tag filter, bulk edit
            "tag_choices": lambda: [(t, t) for t in tags],
            "selected_tag": next((t for t in tags if filters["tag"] and t.lower() == filters["tag"].lower()), None),
            "bulk_edit": SimpleLazyObject(BulkEditForm),  # made once, if the grid is rendered
            "categories": kind_choices,
            "attribute_filters": lambda: [  # issue 17
                {"name": n, "label": attribute_label(n), "choices": value_choices(n), "selected": filters[n]}
                for n in ATTRIBUTE_NAMES
            ],
        },
    )


@login_required
@require_POST
def closet_bulk(request):
    form = BulkForm(request.POST)
    back = safe_next(request, reverse("closet:closet"))
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    garments = list(selectors.garments_by_ids(user=request.user, ids=form.cleaned_data["ids"]))
    action = form.cleaned_data["action"]
    try:
        if action == "wear":
            services.garments_wear(garments=garments)
            messages.success(
                request,
                ngettext("%(n)d item marked as worn today.", "%(n)d items marked as worn today.", len(garments))
                % {"n": len(garments)},
            )
        else:
            services.garments_set_laundry(garments=garments, laundry=action)
            messages.success(
                request, ngettext("%(n)d item updated.", "%(n)d items updated.", len(garments)) % {"n": len(garments)}
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)

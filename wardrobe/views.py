"""Web pages. Thin: selectors read, services write; everything is scoped to request.user."""
from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django import forms
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_sendfile import sendfile
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from wardrobe import selectors, services
from wardrobe.forms import ArchiveForm, BulkForm, GarmentForm, UploadForm, parse_kind
from wardrobe.models import Garment, Photo


def _photo_or_404(request, photo_id: int) -> Photo:
    try:
        return selectors.photo_get(user=request.user, photo_id=photo_id)
    except Photo.DoesNotExist:
        raise Http404("No such photo.")


def _garment_or_404(request, garment_id: int) -> Garment:
    try:
        return selectors.garment_get(user=request.user, garment_id=garment_id)
    except Garment.DoesNotExist:
        raise Http404("No such garment.")


def home(request):
    return redirect("wardrobe:closet" if request.user.is_authenticated else "accounts:login")


def _query_without(request, *names: str) -> str:
    """The current query string without ``names`` (for pager and filter links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


@login_required
@require_GET
def closet(request):
    params = request.GET
    filters = {name: params.get(name) or None for name in ("section", "category", "type", "color", "season", "q")}
    state = params.get("state") or "closet"
    sort = params.get("sort") or "newest"
    if state not in selectors.STATES:
        state = "closet"
    if sort not in selectors.SORTS:
        sort = "newest"
    garments = selectors.garment_list(user=request.user, state=state, sort=sort, **filters)
    page = Paginator(garments, 48).get_page(params.get("page"))
    sections = selectors.section_list_with_counts(user=request.user)
    return render(request, "wardrobe/closet.html", {
        "sections": sections, "page": page, "filters": filters, "state": state, "sort": sort,
        "total": sum(s.count for s in sections),
        "types": selectors.type_list(), "colors": selectors.color_choices(user=request.user),
        "seasons": Garment.Season.choices,
        "states": [("closet", _("In the closet")), ("clean", _("Clean")), ("wash", _("In the wash")),
                   ("archived", _("Archived")), ("all", _("Everything"))],
        "sorts": [("newest", _("Newest")), ("oldest", _("Oldest")), ("most-worn", _("Most worn")),
                  ("least-worn", _("Least worn")), ("last-worn", _("Recently worn"))],
        "page_query": _query_without(request, "page"),
        "filtered": any(filters.values()) or state != "closet",
        "bulk_actions": BulkForm.ACTIONS,
    })


@login_required
@require_POST
def closet_bulk(request):
    form = BulkForm(request.POST)
    back = _safe_next(request, reverse("wardrobe:closet"))
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    garments = list(selectors.garment_list(user=request.user, ids=form.cleaned_data["ids"]))
    action = form.cleaned_data["action"]
    try:
        if action == "wear":
            services.garments_wear(garments=garments)
            messages.success(request, ngettext("%(n)d item marked as worn today.",
                                               "%(n)d items marked as worn today.", len(garments)) % {"n": len(garments)})
        else:
            services.garments_set_laundry(garments=garments, laundry=action)
            messages.success(request, ngettext("%(n)d item updated.", "%(n)d items updated.",
                                               len(garments)) % {"n": len(garments)})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """Bulk upload. With JavaScript the page sends each file to the API itself (progress bars and
    live status); this POST handler is the no-JavaScript fallback. A POST is always validated, so
    one without files (or not multipart at all) gets the form's error and a 400."""
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    results: list[dict] = []
    if request.method == "POST" and form.is_valid():
        for f in form.cleaned_data["images"]:
            try:
                photo = services.photo_create(owner=request.user, uploaded_file=f)
                results.append({"name": f.name, "photo": photo})
            except ValidationError as exc:
                results.append({"name": f.name, "error": " ".join(exc.messages)})
        ok = [r for r in results if "photo" in r]
        if ok and len(ok) == len(results):
            messages.success(request, ngettext("%(n)d photo uploaded; processing has started.",
                                               "%(n)d photos uploaded; processing has started.", len(ok)) % {"n": len(ok)})
            return redirect("wardrobe:photo-list")
        form = UploadForm()
    status_code = 400 if any("error" in r for r in results) or (request.method == "POST" and form.errors) else 200
    strings = {
        "queued": _("Waiting to upload"), "uploading": _("Uploading… %(p)s%"), "uploaded": _("Uploaded"),
        "pending": _("Waiting to be analysed"), "processing": _("Finding garments…"),
        "done": _("Done: %(n)s garment(s), %(r)s to review"), "failed": _("Could not analyse it: %(e)s"),
        "network": _("The upload was interrupted. Check your connection and try again."),
        "throttled": _("Many photos at once: this one goes up in %(s)s s."),
        "server": _("The server could not take this file (error %(s)s)."),
        "tooMany": _("At most %(n)s photos at once; the rest were skipped."),
        "notImage": _("This is not a photo we can read (JPEG, PNG, WebP or HEIC)."),
        "summary": _("%(u)s of %(t)s uploaded · %(d)s analysed"),
        "open": _("Open"), "retry": _("Try again"),
        "allDone": _("All photos are analysed."), "review": _("Review %(n)s garment(s)"),
        "closet": _("Go to the closet"),
    }
    return render(request, "wardrobe/upload.html", {
        "form": form, "results": results, "max_files": settings.MAX_UPLOAD_FILES,
        "max_bytes": settings.MAX_UPLOAD_BYTES, "strings": strings,
    }, status=status_code)


@login_required
@require_GET
def photo_list(request):
    page = Paginator(selectors.photo_list(user=request.user), 48).get_page(request.GET.get("page"))
    pending = any(not p.is_finished for p in page)
    return render(request, "wardrobe/photo_list.html", {"page": page, "refresh": pending})


def _kind_choices() -> list[dict]:
    """Options of the "category and type" selects, grouped by category, in the active language:
    ``[{"label": "Section › Category", "options": [("category:type", label), ...]}]``. A category
    offers itself without a type unless one of its types has its name (Pants › Pants)."""
    groups = []
    for c in selectors.category_choices():
        types = list(c.types.all())
        options = [] if any(t.name == c.name for t in types) else [(f"{c.slug}:", c.display_name)]
        options += [(f"{c.slug}:{t.slug}", t.display_name if t.name == c.name else f"{c.display_name} › {t.display_name}")
                    for t in types]
        groups.append({"label": f"{c.section.display_name} › {c.display_name}", "options": options})
    return groups


@login_required
@require_GET
def photo_detail(request, photo_id: int):
    photo = _photo_or_404(request, photo_id)
    garments = list(selectors.garment_list(user=request.user, photo_id=photo.pk))
    to_review = [g for g in garments if g.status == Garment.Status.REVIEW]
    return render(request, "wardrobe/photo_detail.html", {
        "photo": photo, "garments": garments, "to_review": to_review, "refresh": not photo.is_finished,
        "categories": _kind_choices(), "names": selectors.kind_names()})


@login_required
@require_POST
def photo_review(request, photo_id: int):
    """Review every garment of a photo at once: ``kind-<garment id>`` is ``category:type`` (confirm
    as that), ``other`` (confirm as ``other-<garment id>``, a ``category:type``) or ``reject`` (not
    a garment); garments not in the form stay as they are. One transaction: all or nothing."""
    photo = _photo_or_404(request, photo_id)
    garments = {g.pk: g for g in selectors.garment_list(user=request.user, photo_id=photo.pk)}
    confirmed = rejected = 0
    try:
        with transaction.atomic():
            for key, value in request.POST.items():
                if not key.startswith("kind-") or not (key[5:].isascii() and key[5:].isdigit()):
                    continue
                garment = garments.get(int(key[5:]))
                if garment is None:
                    continue
                if value == "reject":
                    services.garment_reject(garment=garment)
                    rejected += 1
                else:
                    if value == "other":
                        value = request.POST.get(f"other-{garment.pk}", "")
                    try:
                        category, type_slug = parse_kind(value)
                    except forms.ValidationError as exc:
                        raise ValidationError(exc.messages)
                    services.garment_confirm(garment=garment, category=category, type=type_slug)
                    confirmed += 1
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(c)d confirmed, %(r)d rejected.") % {"c": confirmed, "r": rejected})
    return redirect(_safe_next(request, reverse("wardrobe:photo-detail", args=[photo.pk])))


@login_required
@require_POST
def photo_confirm_all(request, photo_id: int):
    photo = _photo_or_404(request, photo_id)
    n = services.photo_confirm_all(photo=photo)
    messages.success(request, ngettext("%(n)d garment added to the closet.", "%(n)d garments added to the closet.",
                                       n) % {"n": n})
    return redirect(_safe_next(request, reverse("wardrobe:photo-detail", args=[photo.pk])))


@login_required
@require_GET
def review(request):
    """The review queue, grouped by photo; each photo is one form (see ``photo_review``)."""
    garments = list(selectors.review_queue(user=request.user)[:200])
    groups: dict[int, dict] = {}
    for g in garments:
        groups.setdefault(g.photo_id, {"photo": g.photo, "garments": []})["garments"].append(g)
    return render(request, "wardrobe/review.html", {
        "groups": list(groups.values()), "count": selectors.review_count(user=request.user),
        "categories": _kind_choices(), "names": selectors.kind_names()})


@login_required
@require_POST
def review_confirm_all(request):
    photos = {g.photo for g in selectors.review_queue(user=request.user)}
    n = sum(services.photo_confirm_all(photo=p) for p in photos)
    messages.success(request, ngettext("%(n)d garment added to the closet.", "%(n)d garments added to the closet.",
                                       n) % {"n": n})
    return redirect("wardrobe:review")


@login_required
@require_POST
def photo_delete(request, photo_id: int):
    photo = _photo_or_404(request, photo_id)
    services.photo_delete(photo=photo)
    messages.success(request, _("Photo deleted."))
    return redirect("wardrobe:photo-list")


@login_required
@require_POST
def photo_retry(request, photo_id: int):
    photo = _photo_or_404(request, photo_id)
    try:
        services.photo_requeue(photo=photo)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("wardrobe:photo-detail", photo_id=photo.pk)


@login_required
@require_http_methods(["GET", "POST"])
def garment_detail(request, garment_id: int):
    garment = _garment_or_404(request, garment_id)
    form = GarmentForm(request.POST or None, initial=GarmentForm.initial_for(garment))
    if request.method == "POST" and form.is_valid():
        try:
            services.garment_update(garment=garment, **form.service_kwargs())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = "kind" if field in ("category", "type") else field
                form.add_error(target if target in form.fields else None, errors)
        else:
            messages.success(request, _("Saved."))
            return redirect("wardrobe:garment-detail", garment_id=garment.pk)
    wears = list(selectors.wear_list(user=request.user, garment_id=garment.pk)[:10])
    return render(request, "wardrobe/garment_detail.html", {
        "garment": garment, "photo": garment.photo, "form": form, "archive_form": ArchiveForm(),
        "categories": _kind_choices(), "wears": wears, "today": timezone.localdate(),
        "worn_today": bool(wears) and wears[0].worn_on == timezone.localdate(), "names": selectors.kind_names(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def garment_wear(request, garment_id: int):
    garment = _garment_or_404(request, garment_id)
    try:
        services.garments_wear(garments=[garment])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as worn today."))
    return redirect(_safe_next(request, reverse("wardrobe:garment-detail", args=[garment.pk])))


@login_required
@require_POST
def garment_unwear(request, garment_id: int):
    garment = _garment_or_404(request, garment_id)
    try:
        day = forms.DateField().clean(request.POST.get("date"))
    except forms.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        services.garment_unwear(garment=garment, on=day)
        messages.success(request, _("Wear removed."))
    return redirect("wardrobe:garment-detail", garment_id=garment.pk)


@login_required
@require_POST
def garment_laundry(request, garment_id: int):
    garment = _garment_or_404(request, garment_id)
    try:
        services.garments_set_laundry(garments=[garment], laundry=request.POST.get("laundry", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_safe_next(request, reverse("wardrobe:garment-detail", args=[garment.pk])))


@login_required
@require_POST
def garment_archive(request, garment_id: int):
    garment = _garment_or_404(request, garment_id)
    form = ArchiveForm(request.POST)
    try:
        if request.POST.get("unarchive"):
            services.garment_unarchive(garment=garment)
            messages.success(request, _("Back in the closet."))
        elif form.is_valid():
            services.garment_archive(garment=garment, reason=form.cleaned_data["reason"])
            messages.success(request, _("Archived. You can still find it under Archived."))
        else:
            messages.error(request, _("Choose sold, donated or lost."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("wardrobe:garment-detail", garment_id=garment.pk)


@login_required
@require_POST
def garment_delete(request, garment_id: int):
    garment = _garment_or_404(request, garment_id)
    photo_id = garment.photo_id
    services.garment_delete(garment=garment)
    messages.success(request, _("Garment deleted."))
    next_url = request.POST.get("next")
    if next_url == "photo":
        return redirect("wardrobe:photo-detail", photo_id=photo_id)
    return redirect("wardrobe:closet")


# --- owner-checked media --------------------------------------------------------------------------

def login_or_token_required(view):
    """Session login (browser) or ``Authorization: Token <key>`` (API clients following ``*_url`` fields).

    A bad token is a 401; no credentials at all redirects to the login page.
    """
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and request.META.get("HTTP_AUTHORIZATION"):
            try:
                result = TokenAuthentication().authenticate(request)
            except AuthenticationFailed:
                result = None
            if result is None:
                return HttpResponse("Invalid token.", status=401, content_type="text/plain")
            request.user = result[0]
        return login_required(view)(request, *args, **kwargs)

    return wrapper


def _file_response(field, content_type: str | None = None) -> FileResponse:
    """Stream a stored file from Django (the admin's thumbnails); the user-facing views use ``_send_file``.

    Raises ``Http404`` when the row has no file or the file is missing.
    """
    if not field or not field.name or not field.storage.exists(field.name):
        raise Http404("File missing.")
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = _MEDIA_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


#: Browsers may keep a private copy for an hour; shared caches (proxies, CDNs) must not keep one.
_MEDIA_CACHE_CONTROL = "private, max-age=3600"


def _send_file(request, field, content_type: str, download_name: str) -> HttpResponse:
    """Hand the file of ``field`` (a ``FieldFile`` under ``MEDIA_ROOT``) to the client; the caller has
    already checked that ``request.user`` owns the row.

    Goes through django-sendfile2's ``SENDFILE_BACKEND``: the simple backend (development) sends the
    bytes from Django with an ETag and Last-Modified (a conditional request gets a 304); the nginx
    backend (production) sends only an ``X-Accel-Redirect`` header under ``SENDFILE_URL`` and nginx's
    ``internal`` location sends the file (with byte ranges). ``content_type`` is the MIME type sent;
    ``download_name`` the ``Content-Disposition: inline`` file name, so the random storage name never
    reaches the client. Raises ``Http404`` when the row has no file or the file is missing.
    """
    if not field or not field.name:
        raise Http404("File missing.")
    response = sendfile(request, field.name, mimetype=content_type, attachment_filename=download_name)
    response["Cache-Control"] = _MEDIA_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                  ".heic": "image/heic"}


@login_or_token_required
@require_GET
def photo_image(request, photo_id: int):
    """The original photo as uploaded (normalised extension), to its owner only; 404 for anyone else."""
    photo = _photo_or_404(request, photo_id)
    ext = "." + photo.image.name.rsplit(".", 1)[-1].lower() if "." in photo.image.name else ""
    return _send_file(request, photo.image, _CONTENT_TYPES.get(ext, "application/octet-stream"),
                      f"photo-{photo.pk}{ext if ext in _CONTENT_TYPES else ''}")


@login_or_token_required
@require_GET
def garment_mask(request, garment_id: int):
    """The garment's 1-bit mask (PNG, photo pixels), to its owner only."""
    garment = _garment_or_404(request, garment_id)
    return _send_file(request, garment.mask, "image/png", f"garment-{garment.pk}-mask.png")


@login_or_token_required
@require_GET
def garment_cutout(request, garment_id: int):
    """The garment's transparent cutout (RGBA PNG cropped to its box), to its owner only."""
    garment = _garment_or_404(request, garment_id)
    return _send_file(request, garment.cutout, "image/png", f"garment-{garment.pk}-cutout.png")


@login_or_token_required
@require_GET
def garment_picture(request, garment_id: int):
    """The item's picture: its cutout (PNG), or with ``picture == "photo"`` the original photo
    cropped to the garment's box plus a 5 % margin (JPEG, long side at most 800 pixels)."""
    garment = _garment_or_404(request, garment_id)
    if garment.picture != Garment.Picture.PHOTO:
        return _send_file(request, garment.cutout, "image/png", f"garment-{garment.pk}.png")
    data = services.garment_photo_crop(garment=garment, max_side=800)
    response = HttpResponse(data, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="garment-{garment.pk}.jpg"'
    response["Cache-Control"] = _MEDIA_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- outfit suggestions ---------------------------------------------------------------------------

def _suggestion_day(request, key: str, date, manual_provider: bool) -> dict:
    """One day of the suggestions page: the weather (typed in with ``<key>-temp`` / ``<key>-rain``,
    else the profile's forecast), the outfits, and why there are none or fewer."""
    from wardrobe import suggestions, weather
    from wardrobe.forms import ManualWeatherForm

    bound = f"{key}-temp" in request.GET
    form = ManualWeatherForm(request.GET if bound else None, prefix=key)
    day = {"key": key, "date": date, "form": form, "forecast": None, "unavailable": "", "no_location": False,
           "suggestions": [], "reason": "", "manual": manual_provider}
    if bound and form.is_valid():
        day["forecast"] = weather.manual_forecast(date=date, temp_c=form.cleaned_data["temp"],
                                                  rain=form.cleaned_data["rain"])
    elif not bound and not manual_provider:
        try:
            day["forecast"] = weather.forecast_for(user=request.user, date=date)
        except weather.WeatherUnavailable as exc:
            day["unavailable"] = str(exc)
            day["no_location"] = exc.code == "no-location"
    if day["forecast"] is not None:
        found = suggestions.suggest(user=request.user, forecast=day["forecast"])
        day["suggestions"], day["reason"] = list(found), found.reason
        day["target_clo"] = suggestions.target_clo(day["forecast"].temp_mean_c)
        day["manual"] = day["forecast"].source == weather.ManualProvider.name
    return day


@login_required
@require_GET
def suggestions_page(request):
    """Today's and tomorrow's suggestions. The weather comes from the profile's provider; with the
    manual provider, or when the forecast is unavailable, a form asks for the temperature and rain."""
    from datetime import timedelta

    from accounts.selectors import profile_get

    today = timezone.localdate()
    manual = profile_get(user=request.user).weather_provider == "manual"
    days = [_suggestion_day(request, "today", today, manual),
            _suggestion_day(request, "tomorrow", today + timedelta(days=1), manual)]
    for day, title in zip(days, (_("Today"), _("Tomorrow"))):
        day["title"] = title
    invalid = any(d["form"].is_bound and d["form"].errors for d in days)
    return render(request, "wardrobe/suggestions.html", {
        "days": days, "query": request.GET.urlencode(),
    }, status=400 if invalid else 200)


@login_required
@require_POST
def suggestions_accept(request):
    """"I'll wear this": ``date`` (today or tomorrow), ``garments`` (ids) and ``explanation``."""
    from datetime import timedelta

    from wardrobe import suggestions

    back = _safe_next(request, reverse("wardrobe:suggestions"))
    today = timezone.localdate()
    try:
        day = forms.DateField().clean(request.POST.get("date"))
        if day not in (today, today + timedelta(days=1)):
            raise forms.ValidationError(_("Suggestions are made for today or tomorrow."))
        ids = [int(v) for v in request.POST.getlist("garments") if v.isascii() and v.isdigit()]
    except forms.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    try:
        suggestions.suggestion_accept(user=request.user, date=day, garment_ids=ids,
                                      explanation=request.POST.get("explanation", "")[:300])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Logged as worn today. Enjoy!") if day <= today
                         else _("Planned for tomorrow."))
    return redirect(back)

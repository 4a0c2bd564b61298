"""Web pages. Thin: selectors read, services write; everything is scoped to request.user."""
from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from wardrobe import selectors, services
from wardrobe.forms import GarmentEditForm, UploadForm
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


@login_required
@require_GET
def closet(request):
    section = request.GET.get("section") or None
    category = request.GET.get("category") or None
    garments = selectors.garment_list(user=request.user, section=section, category=category)
    page = Paginator(garments, 60).get_page(request.GET.get("page"))
    sections = selectors.section_list_with_counts(user=request.user)
    return render(request, "wardrobe/closet.html", {
        "sections": sections, "page": page, "active_section": section, "active_category": category,
        "total": sum(s.count for s in sections),
    })


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
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
            messages.success(request, f"{len(ok)} photo(s) uploaded; processing has started.")
            return redirect("wardrobe:photo-list")
        form = UploadForm()
    status_code = 400 if any("error" in r for r in results) or (request.method == "POST" and form.errors) else 200
    return render(request, "wardrobe/upload.html",
                  {"form": form, "results": results, "max_files": settings.MAX_UPLOAD_FILES}, status=status_code)


@login_required
@require_GET
def photo_list(request):
    page = Paginator(selectors.photo_list(user=request.user), 48).get_page(request.GET.get("page"))
    pending = any(not p.is_finished for p in page)
    return render(request, "wardrobe/photo_list.html", {"page": page, "refresh": pending})


@login_required
@require_GET
def photo_detail(request, photo_id: int):
    photo = _photo_or_404(request, photo_id)
    garments = selectors.garment_list(user=request.user, photo_id=photo.pk)
    return render(request, "wardrobe/photo_detail.html",
                  {"photo": photo, "garments": garments, "refresh": not photo.is_finished})


@login_required
@require_POST
def photo_delete(request, photo_id: int):
    photo = _photo_or_404(request, photo_id)
    services.photo_delete(photo=photo)
    messages.success(request, "Photo deleted.")
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
    initial = {"category": garment.category, "type": garment.type}
    form = GarmentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        category, garment_type = form.cleaned_data["category"], form.cleaned_data["type"]
        changes: dict = {}
        if category != garment.category:
            changes["category"] = category.slug
        if garment_type != garment.type:
            changes["type"] = garment_type.slug if garment_type else None
        try:
            # Only the category changed: an old type of another category is cleared.
            # Only the type changed: the category follows the type. Both: they must agree.
            if changes:
                services.garment_update(garment=garment, **changes)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Saved.")
            return redirect("wardrobe:garment-detail", garment_id=garment.pk)
    return render(request, "wardrobe/garment_detail.html", {
        "garment": garment, "photo": garment.photo, "form": form,
        "categories": selectors.category_choices(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def garment_delete(request, garment_id: int):
    garment = _garment_or_404(request, garment_id)
    photo_id = garment.photo_id
    services.garment_delete(garment=garment)
    messages.success(request, "Garment deleted.")
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
    if not field or not field.name or not field.storage.exists(field.name):
        raise Http404("File missing.")
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                  ".heic": "image/heic"}


@login_or_token_required
@require_GET
def photo_image(request, photo_id: int):
    photo = _photo_or_404(request, photo_id)
    ext = "." + photo.image.name.rsplit(".", 1)[-1].lower() if "." in photo.image.name else ""
    return _file_response(photo.image, _CONTENT_TYPES.get(ext, "application/octet-stream"))


@login_or_token_required
@require_GET
def garment_mask(request, garment_id: int):
    return _file_response(_garment_or_404(request, garment_id).mask, "image/png")


@login_or_token_required
@require_GET
def garment_cutout(request, garment_id: int):
    return _file_response(_garment_or_404(request, garment_id).cutout, "image/png")

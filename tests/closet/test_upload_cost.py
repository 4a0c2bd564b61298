"""Issue 15, defect 3: tiny files that cost seconds and gigabytes.

* Uploads are scaled down to a long side of at most ``MAX_PHOTO_SIDE`` (and at least 2/3 of it)
  before any expensive work and only that copy is stored (the 5 KB 1-bit PNG of 6,324 x 6,324
  pixels of the issue included); the pixel limit still applies to the size the file declares.
* Derived pictures are drawn once: a garment's photo crop and an outfit picture come from the
  cache the second time, an outfit's ``?width=`` is rounded up to a few widths, and a changed
  garment or outfit gets a fresh picture.
* One person's backlog cannot starve the others: at ``MAX_PENDING_PHOTOS`` photos waiting, an
  upload (or a retry, or a run again) is a 429 with ``Retry-After`` and a sentence, on the API and
  on the upload form.

Speed and memory are measured by ``python -m bench.upload_cost``, not here.
"""

from __future__ import annotations

import io
import threading
from unittest import mock

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.closet.test_uploads import png_header_claiming
from tests.conftest import encode, fixture_photos, media_files, upload
from tests.factories import GarmentFactory, OutfitFactory, PhotoFactory, UserFactory
from wardrobe.closet import picture_urls, services
from wardrobe.closet.errors import PhotoBacklogFull
from wardrobe.closet.images import decode_image
from wardrobe.closet.models import Garment, Photo
from wardrobe.closet.services import garments as garment_services
from wardrobe.closet.services import photos as photo_services
from wardrobe.outfits import render as outfit_render
from wardrobe.outfits import services as outfit_services

pytestmark = pytest.mark.django_db

RED = (255, 0, 0)


def tiny_huge_png() -> bytes:
    """The file of the issue: a 1-bit PNG of 6,324 x 6,324 pixels, about 5 KB."""
    return encode(Image.new("1", (6324, 6324)), "PNG", optimize=True)


def big_photo(size: tuple[int, int], **save) -> bytes:
    """A real fixture photo scaled to ``size`` (w, h) with a red 5 % square in its top-left corner, as JPEG."""
    with Image.open(fixture_photos()[0]) as img:
        rgb = img.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    rgb.paste(RED, (0, 0, size[0] // 20, size[0] // 20))
    return encode(rgb, "JPEG", quality=90, **save)


def stored(photo: Photo) -> Image.Image:
    with Image.open(photo.image.path) as img:
        img.load()
        return img


# --- downscaled at upload ---------------------------------------------------------------------------------


def test_tiny_huge_png_is_stored_at_the_working_size(api, settings, media_root):
    settings.MAX_PHOTO_SIDE = 2048
    data = tiny_huge_png()
    assert len(data) < 10_000
    r = api.post("/api/photos/", {"image": upload("tiny.png", data, "image/png")}, format="multipart")
    assert r.status_code == 202, r.content
    photo = Photo.objects.get(pk=r.json()["id"])
    assert (photo.width, photo.height) == (1581, 1581)  # reduced by 4: blocks of 4 x 4 pixels averaged
    img = stored(photo)
    assert img.format == "PNG" and img.mode == "RGB" and img.size == (1581, 1581)
    assert img.getextrema() == ((0, 0), (0, 0), (0, 0))  # black stays black (averaged, not dithered)
    assert len(media_files(media_root)) == 1


def test_big_jpeg_is_decoded_small_turned_upright_and_stored_at_the_working_size(api, settings):
    """A 4,000 x 3,000 phone photo stored sideways (EXIF orientation 6): decoded at 1/2 scale by libjpeg
    (2,000 x 1,500: within 2/3 of 2048, so not resampled), turned upright, the red corner where it
    belongs."""
    settings.MAX_PHOTO_SIDE = 2048
    exif = Image.Exif()
    exif[0x0112] = 6
    data = big_photo((4000, 3000), exif=exif.tobytes())
    decoded = decode_image(data, max_side=2048)
    assert decoded.source_size == (3000, 4000) and decoded.image.size == (1500, 2000)
    r = api.post("/api/photos/", {"image": upload("phone.jpg", data)}, format="multipart")
    assert r.status_code == 202, r.content
    photo = Photo.objects.get(pk=r.json()["id"])
    img = stored(photo)
    assert (photo.width, photo.height) == img.size == (1500, 2000) and img.format == "JPEG"
    assert len(img.getexif()) == 0 and "icc_profile" not in img.info
    # Orientation 6: the stored top-left corner ends up top-right.
    top_right = np.asarray(img.crop((1500 - 40, 0, 1500, 40))).reshape(-1, 3).mean(axis=0)
    assert top_right[0] > 200 and top_right[1] < 60 and top_right[2] < 60, top_right


def test_the_working_size_is_a_setting(user, settings):
    path = fixture_photos()[0]
    with Image.open(path) as img:
        w, h = img.size
    settings.MAX_PHOTO_SIDE = 400
    photo = services.photo_create(owner=user, uploaded_file=upload(path.name, path.read_bytes()))
    assert max(photo.width, photo.height) == 400 and stored(photo).size == (photo.width, photo.height)
    assert abs(photo.width / photo.height - w / h) < 0.01
    # Just over the limit: a whole-factor reduction would halve it, so it is resampled to exactly 2048.
    settings.MAX_PHOTO_SIDE = 2048
    data = encode(Image.new("RGB", (2200, 1500), (10, 200, 30)), "PNG")
    photo = services.photo_create(owner=user, uploaded_file=upload("wide.png", data, "image/png"))
    assert (photo.width, photo.height) == (2048, 1396) and stored(photo).getpixel((1000, 700)) == (10, 200, 30)
    settings.MAX_PHOTO_SIDE = 0  # off: kept as uploaded
    photo = services.photo_create(owner=user, uploaded_file=upload("wide.png", data, "image/png"))
    assert (photo.width, photo.height) == (2200, 1500)


@pytest.mark.parametrize("mode", ["P", "RGBA", "LA", "I;16"])
def test_other_pixel_formats_are_downscaled_with_their_colours(mode):
    img = Image.new("RGBA", (3000, 2000), (*RED, 255))
    img.paste((0, 0, 255, 0), (0, 0, 1500, 2000))  # left half transparent: white once flattened
    if mode == "P":
        img = img.convert("RGB").quantize(4)
        img.info["transparency"] = img.getpixel((0, 0))
    elif mode == "LA":
        img = img.convert("LA")
    elif mode == "I;16":
        img = Image.new("I;16", (3000, 2000), 0x8080)
    decoded = decode_image(encode(img, "PNG"), max_side=600)
    assert decoded.image.size == (600, 400) and decoded.image.mode == "RGB"
    right = decoded.image.getpixel((500, 200))
    if mode == "I;16":
        assert right == (128, 128, 128)
        return
    assert decoded.image.getpixel((100, 200)) == (255, 255, 255)
    assert right == (RED if mode != "LA" else (76, 76, 76)), right


def test_the_pixel_limit_still_holds_for_files_decoded_smaller(api, settings, media_root):
    """A JPEG that would be decoded at 1/2 scale is still refused on the size its header declares."""
    settings.MAX_PHOTO_SIDE = 1024
    settings.MAX_IMAGE_PIXELS = 4_000_000
    r = api.post("/api/photos/", {"image": upload("six-mp.jpg", big_photo((3000, 2000)))}, format="multipart")
    assert r.status_code == 400 and "3000x2000 pixels" in str(r.json()) and "too large" in str(r.json())
    settings.MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb's header: 30,000 x 30,000 pixels claimed
    r = api.post("/api/photos/", {"image": upload("b.png", png_header_claiming(30000, 30000))}, format="multipart")
    assert r.status_code == 400 and "too large" in str(r.json()).lower()
    assert Photo.objects.count() == 0 and media_files(media_root) == []


@pytest.mark.vision
def test_a_big_real_photo_goes_through_the_pipeline_at_the_working_size(user, settings, pipeline):
    """A real fixture photo scaled to 2,200 x 3,328 pixels: stored at 1,100 x 1,664 (decoded at 1/2),
    and the pipeline finds garments whose masks have the stored photo's size."""
    settings.MAX_PHOTO_SIDE = 2048
    photo = services.photo_create(owner=user, uploaded_file=upload("big.jpg", big_photo((2200, 3328))))
    assert (photo.width, photo.height) == (1100, 1664)
    done = services.process_photo(photo.pk, pipeline)
    assert done.status == Photo.Status.DONE, done.error
    garments = list(done.garments.all())
    assert garments
    for g in garments:
        assert 0 <= g.x0 < g.x1 <= photo.width and 0 <= g.y0 < g.y1 <= photo.height
        with Image.open(g.mask.path) as mask:
            assert mask.size == (photo.width, photo.height)


# --- derived pictures are cached ----------------------------------------------------------------------------


@pytest.fixture
def photo_garment(user):
    garment = GarmentFactory(photo=PhotoFactory(owner=user))
    return services.garment_update(garment=garment, picture=Garment.Picture.PHOTO)


def test_the_photo_crop_is_drawn_once_and_again_for_a_new_box(user, photo_garment, other_user):
    client, other = Client(), Client()
    client.force_login(user)
    other.force_login(other_user)
    url = picture_urls.garment_picture_url(photo_garment)
    with mock.patch.object(garment_services, "_photo_crop", wraps=garment_services._photo_crop) as drawn:
        first = client.get(url)
        second = client.get(url)
        assert first.status_code == second.status_code == 200 and first["Content-Type"] == "image/jpeg"
        assert first.content == second.content and drawn.call_count == 1
        assert first["Cache-Control"].startswith("private")
        assert other.get(url).status_code == 404  # cached or not, someone else's garment is a 404
        # A new box (a refined mask moves it): a new URL and a crop drawn again.
        Garment.objects.filter(pk=photo_garment.pk).update(x1=photo_garment.x1 - 20)
        photo_garment.refresh_from_db()
        new_url = picture_urls.garment_picture_url(photo_garment)
        third = client.get(new_url)
        assert new_url != url and drawn.call_count == 2
    with Image.open(io.BytesIO(first.content)) as a, Image.open(io.BytesIO(third.content)) as b:
        assert b.width < a.width


def test_the_outfit_picture_is_drawn_once_per_width_and_again_after_a_change(user, photo_garment):
    outfit = OutfitFactory(owner=user, garments=[photo_garment])
    client = Client()
    client.force_login(user)
    url = reverse("outfits:outfit-image", args=[outfit.pk])
    render, crop = outfit_render.render_outfit, garment_services._photo_crop
    with (
        mock.patch.object(outfit_render, "render_outfit", wraps=render) as drawn,
        mock.patch.object(garment_services, "_photo_crop", wraps=crop) as cropped,
    ):
        first = client.get(url)
        assert first.status_code == 200 and client.get(url).content == first.content
        assert drawn.call_count == 1
        # Any width is rounded up to one of WIDTHS: 150, 200 and 300 are one picture, 300 wide.
        sizes = {client.get(f"{url}?width={w}").content for w in (150, 200, 300)}
        assert len(sizes) == 1 and drawn.call_count == 2
        with Image.open(io.BytesIO(sizes.pop())) as img:
            assert img.size == (300, 400)
        assert cropped.call_count == 1  # both widths drew from the one cached crop
        # A changed garment box or an edited outfit: a fresh picture.
        Garment.objects.filter(pk=photo_garment.pk).update(y1=photo_garment.y1 - 30)
        assert client.get(url).content != first.content and drawn.call_count == 3
        outfit_services.outfit_update(outfit=outfit, items=[{"garment": photo_garment.pk, "x": 0.3}])
        assert client.get(url).status_code == 200 and drawn.call_count == 4


def test_snap_width():
    assert [outfit_render.snap_width(w) for w in (60, 120, 121, 300, 301, 600, 601, 1200)] == [
        120,
        120,
        300,
        300,
        600,
        600,
        1200,
        1200,
    ]
    for bad in (59, 1201):
        with pytest.raises(ValueError):
            outfit_render.snap_width(bad)


# --- a limit on photos waiting --------------------------------------------------------------------------------


def fill_backlog(user, n: int) -> list[Photo]:
    return [PhotoFactory(owner=user) for _ in range(n)]


def test_api_answers_429_with_retry_after_at_the_limit(api, user, settings, media_root):
    settings.MAX_PENDING_PHOTOS = 3
    photos = fill_backlog(user, 3)
    Photo.objects.filter(pk=photos[0].pk).update(status=Photo.Status.PROCESSING)  # still waiting
    files = len(media_files(media_root))
    r = api.post("/api/photos/", {"image": upload("one-more.jpg", big_photo((800, 600)))}, format="multipart")
    assert r.status_code == 429, r.content
    assert r["Retry-After"] == str(photo_services.BACKLOG_RETRY_AFTER)
    body = r.json()
    assert body["code"] == "too_many_pending"
    assert "3 of your photos are waiting to be analysed" in body["detail"] and "at most 3" in body["detail"]
    assert Photo.objects.count() == 3 and len(media_files(media_root)) == files
    # One done, one failed: room for one more. Others' backlogs do not count.
    Photo.objects.filter(pk=photos[1].pk).update(status=Photo.Status.DONE)
    fill_backlog(UserFactory(), 3)
    r = api.post("/api/photos/", {"image": upload("one-more.jpg", big_photo((800, 600)))}, format="multipart")
    assert r.status_code == 202, r.content
    one_more = {"image": upload("x.jpg", big_photo((800, 600)))}
    assert api.post("/api/photos/", one_more, format="multipart").status_code == 429
    settings.MAX_PENDING_PHOTOS = 0  # no limit
    one_more = {"image": upload("x.jpg", big_photo((800, 600)))}
    assert api.post("/api/photos/", one_more, format="multipart").status_code == 202


def test_retry_and_run_again_count_too(api, user, settings):
    settings.MAX_PENDING_PHOTOS = 2
    failed, done = fill_backlog(user, 2)
    Photo.objects.filter(pk=failed.pk).update(status=Photo.Status.FAILED)
    Photo.objects.filter(pk=done.pk).update(status=Photo.Status.DONE)
    fill_backlog(user, 2)
    r = api.post(f"/api/photos/{done.pk}/rerun/")
    assert r.status_code == 429 and r["Retry-After"] and r.json()["code"] == "too_many_pending"
    with pytest.raises(PhotoBacklogFull):
        services.photo_requeue(photo=Photo.objects.get(pk=failed.pk))
    assert Photo.objects.get(pk=done.pk).status == Photo.Status.DONE
    assert Photo.objects.get(pk=failed.pk).status == Photo.Status.FAILED


def test_upload_form_shows_the_sentence_with_a_429(user, settings, media_root):
    settings.MAX_PENDING_PHOTOS = 1
    client = Client()
    client.force_login(user)
    files = [upload(f"p{i}.jpg", big_photo((800, 600))) for i in range(3)]
    r = client.post(reverse("closet:upload"), {"images": files})
    assert r.status_code == 429 and r["Retry-After"] == str(photo_services.BACKLOG_RETRY_AFTER)
    html = r.content.decode()
    assert "1 of your photos is waiting to be analysed, and at most 1 may wait at once" in html
    assert "p0.jpg" in html and Photo.objects.filter(owner=user).count() == 1
    # In Korean.
    r = client.post(
        reverse("closet:upload"), {"images": [upload("p.jpg", big_photo((800, 600)))]}, HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert r.status_code == 429 and "분석을 기다리고" in r.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_uploads_cannot_pass_the_limit_together(settings, media_root):
    """Two uploads of one person at once with room for one: both pass the early check, and both
    would store their photo if the count in the transaction were not taken under the owner's lock.
    Each waits (up to 1.5 s) for the other right before storing its file; with the lock, the second
    one waits for the first to commit, then counts it and is refused."""
    settings.MAX_PENDING_PHOTOS = 1
    settings.PHOTO_QUEUE_BACKEND = "wardrobe.closet.queue.NoQueue"  # nothing sent to the broker on commit
    owner = UserFactory()
    data = big_photo((800, 600))
    arrived = threading.Barrier(2, timeout=1.5)
    outcomes: list[str] = []

    def content_file(content):
        try:
            arrived.wait()
        except threading.BrokenBarrierError:
            pass
        return ContentFile(content)

    def send(i: int) -> None:
        from django.db import connection

        try:
            services.photo_create(owner=owner, uploaded_file=upload(f"{i}.jpg", data))
            outcomes.append("stored")
        except PhotoBacklogFull:
            outcomes.append("refused")
        finally:
            connection.close()

    with mock.patch.object(photo_services, "ContentFile", content_file):
        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert sorted(outcomes) == ["refused", "stored"]
    assert Photo.objects.filter(owner=owner).count() == 1 and len(media_files(media_root)) == 1


# --- the bench runs -----------------------------------------------------------------------------------------


def test_bench_upload_cost_runs_and_reports_the_downscale():
    """``bench.upload_cost`` on the tiny huge PNG: it runs (its own scratch SQLite database and media
    folder) and reports the stored size and the figures; how fast is for the bench to say."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    r = subprocess.run(
        [sys.executable, "-m", "bench.upload_cost", "--cases", "png-1bit-6324", "--max-photo-side", "2048"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    (result,) = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["max_photo_side"] == 2048 and result["input_bytes"] < 10_000
    assert (result["stored"]["width"], result["stored"]["height"]) == (1581, 1581)
    for figures in (result["upload"], result["crop"]["cold"], result["outfit"]["cold"]):
        assert figures["seconds"] > 0 and figures["peak_mib"] >= 0
    assert "| png-1bit-6324 |" in r.stdout

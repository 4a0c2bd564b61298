"""English and Korean: the catalogue covers the taxonomy and colours, pages follow the user's choice."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from vision import taxonomy
from vision.colors import PALETTE
from wardrobe.taxonomy_names import COLOR_NAMES, TAXONOMY_NAMES


def test_translatable_names_match_vision():
    names = {name for _, name in taxonomy.SECTIONS} | {c.name for c in taxonomy.CATEGORIES} | {
        t.name for t in taxonomy.TYPES}
    assert set(TAXONOMY_NAMES) == names
    assert COLOR_NAMES == list(PALETTE)


@pytest.mark.parametrize("name", TAXONOMY_NAMES + COLOR_NAMES)
def test_every_taxonomy_and_colour_name_has_korean(name):
    with translation.override("ko"):
        korean = translation.gettext(name)
    assert korean != name and any("\uac00" <= ch <= "\ud7a3" for ch in korean), (name, korean)


@pytest.mark.django_db
def test_pages_follow_the_language_switcher_and_remember_it(client, user, garment):
    client.force_login(user)
    page = client.get(reverse("wardrobe:closet"))
    assert b'<html lang="en">' in page.content and b"Closet" in page.content
    r = client.post(reverse("accounts:language"), {"language": "ko", "next": "/closet/"})
    assert r.status_code == 302 and r["Location"] == "/closet/"
    assert r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    user.profile.refresh_from_db()
    assert user.profile.language == "ko"
    client.cookies.clear()  # another device: the saved choice still applies after logging in
    client.force_login(user)
    for url in (reverse("wardrobe:closet"), reverse("wardrobe:garment-detail", args=[garment.pk]),
                reverse("wardrobe:review"), reverse("wardrobe:upload"), reverse("accounts:settings")):
        body = client.get(url).content.decode()
        assert '<html lang="ko">' in body, url
        assert "옷장" in body, url
    body = client.get(reverse("wardrobe:garment-detail", args=[garment.pk])).content.decode()
    with translation.override("ko"):
        assert translation.gettext(garment.type.name) in body and translation.gettext("navy") in body


@pytest.mark.django_db
def test_upload_errors_are_in_the_users_language(client, user):
    from tests.conftest import upload

    client.force_login(user)
    client.post(reverse("accounts:language"), {"language": "ko"})
    r = client.post("/api/photos/", {"image": upload("empty.jpg", b"")})
    assert r.status_code == 400
    with translation.override("ko"):
        assert translation.gettext("The file is empty.") in r.json()["image"][0]

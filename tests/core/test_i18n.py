"""English and Korean: the catalogue covers the taxonomy and colours, pages follow the user's choice."""

from __future__ import annotations

import ast
import gettext
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from vocabulary import taxonomy
from vocabulary.palette import PALETTE
from vocabulary.seasons import SEASONS
from wardrobe.closet.names import COLOR_NAMES, SEASON_NAMES, TAXONOMY_NAMES

KO_DIR = settings.LOCALE_PATHS[0] / "ko" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _po_entries(path):
    """The live entries of a .po file as dicts: ``msgid``, ``msgid_plural``, ``msgstr`` (a list: one
    string, or one per plural form) and ``flags``; the header and obsolete (``#~``) entries are left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields, flags, key = {}, set(), None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                fields[key] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
        if fields.get("msgid"):
            msgstr = [fields[k] for k in sorted(fields) if k.startswith("msgstr")]
            entries.append(
                {
                    "msgid": fields["msgid"],
                    "msgid_plural": fields.get("msgid_plural", ""),
                    "msgstr": msgstr,
                    "flags": flags,
                }
            )
    return entries


@pytest.mark.parametrize("domain, at_least", [("django", 300), ("djangojs", 15)])
def test_korean_catalogue_is_complete_and_compiled(domain, at_least):
    """Every string (of the pages, and of the scripts through Django's JavaScript catalogue) has a
    reviewed Korean translation (none empty, none fuzzy) with the same placeholders, and the
    committed .mo is compiled from the current .po."""
    entries = _po_entries(KO_DIR / f"{domain}.po")
    assert len(entries) > at_least
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    for e in entries:
        wanted = set(PLACEHOLDER.findall(e["msgid"] + e["msgid_plural"]))
        for text in e["msgstr"]:
            names = set(PLACEHOLDER.findall(text))
            # a plural form may drop the singular's placeholder, never invent one
            assert names <= wanted and (e["msgid_plural"] or names == wanted), (e["msgid"], text)
    with open(KO_DIR / f"{domain}.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        e["msgid"]
        for e in entries
        if (compiled.ngettext(e["msgid"], e["msgid_plural"], 1) if e["msgid_plural"] else compiled.gettext(e["msgid"]))
        != e["msgstr"][0]
    ]
    assert not stale, f"{domain}.mo is out of date (run make messages): {stale}"


def test_translatable_names_match_the_vocabulary():
    names = (
        {name for _, name in taxonomy.SECTIONS}
        | {c.name for c in taxonomy.CATEGORIES}
        | {t.name for t in taxonomy.TYPES}
    )
    assert set(TAXONOMY_NAMES) == names
    assert COLOR_NAMES == list(PALETTE)
    assert SEASON_NAMES == [name for _, name in SEASONS]


def test_scripts_read_their_strings_from_the_javascript_catalogue(client):
    """The scripts' messages come from ``/jsi18n/`` (Django's ``JavaScriptCatalog``), in the page's language."""
    catalogue = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert f'"Waiting to upload": {json.dumps("업로드 대기 중")}' in catalogue
    for script in ("app.js", "outfits.js"):
        source = (settings.STATICFILES_DIRS[0] / "js" / script).read_text()
        assert "gettext(" in source and "strings" not in source.split("use strict")[1].lower()


@pytest.mark.parametrize("name", TAXONOMY_NAMES + COLOR_NAMES + SEASON_NAMES)
def test_every_taxonomy_and_colour_name_has_korean(name):
    with translation.override("ko"):
        korean = translation.gettext(name)
    assert korean != name and any("\uac00" <= ch <= "\ud7a3" for ch in korean), (name, korean)


@pytest.mark.django_db
def test_pages_follow_the_language_switcher_and_remember_it(client, user, garment):
    client.force_login(user)
    page = client.get(reverse("closet:closet"))
    assert b'<html lang="en">' in page.content and b"Closet" in page.content
    r = client.post(reverse("accounts:language"), {"language": "ko", "next": "/closet/"})
    assert r.status_code == 302 and r["Location"] == "/closet/"
    assert r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    user.profile.refresh_from_db()
    assert user.profile.language == "ko"
    client.cookies.clear()  # another device: the saved choice still applies after logging in
    client.force_login(user)
    for url in (
        reverse("closet:closet"),
        reverse("closet:garment-detail", args=[garment.pk]),
        reverse("closet:review"),
        reverse("closet:upload"),
        reverse("preferences:settings"),
    ):
        body = client.get(url).content.decode()
        assert '<html lang="ko">' in body, url
        assert "옷장" in body, url
    body = client.get(reverse("closet:garment-detail", args=[garment.pk])).content.decode()
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

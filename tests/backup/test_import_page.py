"""The import page (``/accounts/settings/import/``): reached from the settings page, an export zip
uploaded there shows the counts of what was added, a refused one its sentence; and in a real
Chromium at desktop and phone width (``tests.browser``)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.backup.test_export_complete import _export
from tests.factories import PASSWORD, UserFactory
from wardrobe.closet.models import Garment


@pytest.mark.django_db
def test_the_page_imports_an_export_and_shows_the_counts(client, user, person):
    data, _archive, _doc = _export(user)
    carol = UserFactory(username="carol")
    url = reverse("backup:import")
    assert client.get(url).status_code == 302  # login first
    client.force_login(carol)
    assert url.encode() in client.get(reverse("preferences:settings")).content
    page = client.get(url)
    assert (
        page.status_code == 200
        and b'id="import-export-form"' in page.content
        and b'id="import-csv-form"' in page.content
    )
    r = client.post(url, {"kind": "export", "archive": SimpleUploadedFile("e.zip", data, "application/zip")})
    assert r.status_code == 200
    text = r.content.decode()
    assert 'id="import-counts"' in text and "4 items added" in text and "2 outfits added" in text
    assert Garment.objects.filter(owner=carol).count() == 4
    # The import restored Alice's language (Korean): the page now speaks it.
    r = client.post(url, {"kind": "export", "archive": SimpleUploadedFile("e.zip", data, "application/zip")})
    assert "옷 0개를 더했어요" in r.content.decode()
    r = client.post(url, {"kind": "export", "archive": SimpleUploadedFile("e.zip", b"not a zip", "application/zip")})
    assert r.status_code == 400 and "zip 압축 파일이 아니거나" in r.content.decode()


@pytest.mark.django_db
def test_the_page_keeps_csrf(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    r = client.post(reverse("backup:import"), {"kind": "export", "archive": SimpleUploadedFile("e.zip", b"x")})
    assert r.status_code == 403


@pytest.mark.django_db
def test_the_page_in_korean(client, user):
    client.force_login(user)
    r = client.post(
        reverse("backup:import"),
        {"kind": "export", "archive": SimpleUploadedFile("e.zip", b"x")},
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert (
        r.status_code == 400 and "zip 압축 파일이 아니거나" in r.content.decode() and "가져오기" in r.content.decode()
    )


def _submit_and_wait(d, form: str) -> None:
    """Submit ``form`` and wait until the page it answers replaces this one (which shows counts too)."""
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser import submit

    old = d.find_element("css selector", "#import-counts")
    submit(d, form)
    WebDriverWait(d, 60).until(EC.staleness_of(old))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_an_export_on_the_page_at_desktop_and_phone_width(browser, live_server, user, person, tmp_path):
    from selenium.webdriver.common.by import By

    from tests.browser import log_in, shot, submit, wait_for

    zip_path = tmp_path / "wardrobe-alice.zip"
    zip_path.write_bytes(_export(user)[0])
    UserFactory(username="carol")
    d, url = browser, live_server.url
    log_in(d, url, "carol", PASSWORD)

    d.get(url + reverse("preferences:settings"))
    wait_for(d, "#import-link").click()
    wait_for(d, "#import-export-form")
    d.find_element(By.CSS_SELECTOR, "#import-export-form input[type=file]").send_keys(str(zip_path))
    submit(d, "#import-export-form")
    counts = wait_for(d, "#import-counts", timeout=60)
    assert "4 items added" in counts.text and "4 photos added" in counts.text and "3 calendar days added" in counts.text
    shot(d, "import-done")

    d.set_window_size(390, 844)  # a phone: the forms fit, nothing sideways
    d.find_element(By.CSS_SELECTOR, "#import-export-form input[type=file]").send_keys(str(zip_path))
    _submit_and_wait(d, "#import-export-form")
    counts = wait_for(d, "#import-counts", timeout=60)
    assert "옷 0개를 더했어요" in counts.text  # the import restored Alice's language: Korean
    assert d.execute_script("return document.documentElement.scrollWidth") <= 390
    shot(d, "import-phone", width=390)
    assert Garment.objects.filter(owner__username="carol").count() == 4

    # The CSV form: a zip of items.csv and two real photos, at phone width.
    from tests.backup.test_import_csv import GOOD, PHOTOS, _zip

    csv_zip = tmp_path / "items.zip"
    csv_zip.write_bytes(_zip(GOOD, PHOTOS))
    d.find_element(By.CSS_SELECTOR, "#import-csv-form input[name=archive]").send_keys(str(csv_zip))
    _submit_and_wait(d, "#import-csv-form")
    counts = wait_for(d, "#import-counts", timeout=60)
    assert "옷 2개를 더했어요" in counts.text
    shot(d, "import-csv-phone", width=390)
    assert Garment.objects.filter(owner__username="carol").count() == 6

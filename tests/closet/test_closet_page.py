"""The closet page as issue 18 point 10 rebuilt it for speed: cards built in Python
(``wardrobe.closet.cards``), a page of cards read in two queries (``selectors.garment_cards``), the
item count taken from the section counts when nothing is filtered, and the taxonomy's lists cached
per process (``wardrobe.closet.taxonomy_cache``) yet fresh after an administrator's edit."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import GarmentFactory, PhotoFactory
from vocabulary.palette import hex_of
from wardrobe.closet import services
from wardrobe.closet.models import Category, Garment
from wardrobe.closet.picture_urls import garment_picture_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_card_shows_escaped_names_colours_and_the_wear_line(user, browser):
    photo = PhotoFactory(owner=user)
    named = GarmentFactory(
        photo=photo, name='<b>Tee</b> & "co"', brand="A<B>", colors=("navy", "white", "red", "green")
    )
    worn = GarmentFactory(photo=photo, category="pants", type="jeans", colors=("blue",))
    services.garment_update(garment=worn, name="")
    Garment.objects.filter(pk=worn.pk).update(wear_count=3)
    washing = GarmentFactory(photo=photo, colors=("black",))
    services.garments_set_laundry(garments=[washing], laundry="wash")

    html = browser.get("/closet/").content.decode()
    detail = reverse("closet:garment-detail", args=[named.pk])
    assert f'<a href="{detail}">' in html
    # Names and brands are escaped, never markup.
    assert "<b>Tee</b>" not in html and "&lt;b&gt;Tee&lt;/b&gt; &amp; &quot;co&quot;" in html
    assert "A&lt;B&gt;" in html
    # At most three colour dots, in the garment's order.
    pick = html.index(f'id="pick-{named.pk}"')
    card = html[html.rindex('<div class="tile', 0, pick) : html.index("</div>", pick)]
    assert re.findall(r'fill="([^"]+)"', card) == [hex_of("navy"), hex_of("white"), hex_of("red")]
    assert garment_picture_url(Garment.objects.get(pk=named.pk)).replace("&", "&amp;") in card
    assert 'name="ids"' in card and 'form="bulk-form"' in card and "Select &lt;b&gt;Tee" in card
    assert "worn 3 times" in html and "in the wash" in html and "not worn yet" in html

    html_ko = browser.get("/closet/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "3회 착용" in html_ko and "세탁 중" in html_ko


def test_review_and_archived_cards(user, browser):
    photo = PhotoFactory(owner=user)
    review = GarmentFactory(photo=photo, status=Garment.Status.REVIEW)
    archived = GarmentFactory(photo=photo)
    services.garment_archive(garment=archived, reason="donated")
    html = browser.get("/closet/?state=all").content.decode()
    assert f'id="pick-{review.pk}"' in html and "To review" in html
    assert '<div class="tile archived">' in html and "Donated" in html
    # A photo's page shows the same cards, without check-boxes.
    page = browser.get(reverse("closet:photo-detail", args=[photo.pk])).content.decode()
    assert f'href="{reverse("closet:garment-detail", args=[review.pk])}"' in page and 'id="pick-' not in page


def test_the_item_count_matches_the_closet_filtered_or_not(user, other_user, browser):
    photo = PhotoFactory(owner=user)
    for category, type_ in [("shirt-blouse", "shirt"), ("pants", "jeans"), ("pants", "jeans")]:
        GarmentFactory(photo=photo, category=category, type=type_)
    GarmentFactory(photo=photo, status=Garment.Status.REVIEW)
    GarmentFactory(photo=PhotoFactory(owner=other_user))
    assert "3 items" in browser.get("/closet/").content.decode()
    assert "2 items" in browser.get("/closet/?category=pants").content.decode()
    assert "4 items" in browser.get("/closet/?state=all").content.decode()


def test_a_renamed_category_shows_at_once(user, browser):
    GarmentFactory(photo=PhotoFactory(owner=user), category="pants", type="jeans")
    assert ">Pants <span" in browser.get("/closet/").content.decode()  # the sidebar, now cached
    pants = Category.objects.get(slug="pants")
    pants.name = "Trousers"
    pants.save()  # the admin's edit: post_save clears the process's taxonomy cache
    html = browser.get("/closet/").content.decode()
    assert ">Trousers <span" in html and ">Pants <span" not in html


def test_the_closet_page_reads_a_bounded_number_of_queries(user, browser, django_assert_max_num_queries):
    photo = PhotoFactory(owner=user)
    for _ in range(12):
        GarmentFactory(photo=photo, colors=("navy", "white"), seasons=["summer"])
    browser.get("/closet/")  # warms the taxonomy cache
    with django_assert_max_num_queries(10):
        html = browser.get("/closet/").content.decode()
    assert html.count('class="pick"') == 12


def test_the_review_page_shows_a_first_batch_and_says_how_many_wait(user, browser, monkeypatch):
    from wardrobe.closet.views import photos

    monkeypatch.setattr(photos, "REVIEW_PAGE_SIZE", 2)
    photo = PhotoFactory(owner=user)
    waiting = [GarmentFactory(photo=photo, status=Garment.Status.REVIEW) for _ in range(3)]
    html = browser.get("/review/").content.decode()
    assert sum(f'id="review-{g.pk}"' in html for g in waiting) == 2
    assert "Showing the first 2 of 3." in html and 'href="/review/">show the next ones</a>' in html
    assert "Accept the guesses for all 3 garments" in html  # "accept all" still takes every one
    html_ko = browser.get("/review/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "3개 중 처음 2개를 보여 줍니다." in html_ko
    services.garment_confirm(garment=waiting[0])
    html = browser.get("/review/").content.decode()
    assert "Showing the first" not in html and html.count('class="review-card"') == 2

"""Each garment's revision (issue 18 point 10), on the real PostgreSQL and Redis: every way of writing a
garment or its colour, season and tag rows gives it a new revision (and no other garment), the closet
grid and the API list keep each garment's card and data per revision so that after an edit only the
edited garment is read again, and what they show is always the garment as it now is. SQLite's
triggers (the embedded default) do the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import GarmentFactory
from wardrobe.closet import cards, services
from wardrobe.closet.filters import STATES, GarmentFilter
from wardrobe.closet.models import Garment, GarmentColor, GarmentType, Tag

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def revision(garment: Garment) -> int:
    return Garment.objects.values_list("revision", flat=True).get(pk=garment.pk)


def test_every_kind_of_write_gives_the_garment_a_new_revision_and_no_other(user, photo):
    garment = GarmentFactory(photo=photo)
    neighbour = GarmentFactory(photo=photo)
    seen = [revision(garment)]
    theirs = revision(neighbour)

    def changed() -> None:
        now = revision(garment)
        assert now not in seen, "the write left the garment's revision as it was"
        seen.append(now)

    services.garment_update(garment=Garment.objects.get(pk=garment.pk), brand="Uniqlo")  # save()
    changed()
    Garment.objects.filter(pk=garment.pk).update(wear_count=3)  # QuerySet.update: no signal
    changed()
    stale = Garment.objects.get(pk=garment.pk)
    Garment.objects.filter(pk=garment.pk).update(name="x")
    changed()
    stale.save()  # writes the revision it read: the database gives a new one all the same
    changed()
    GarmentColor.objects.create(garment=garment, position=5, name="red", hex="#ff0000", fraction=0.1)
    changed()
    GarmentColor.objects.filter(garment=garment, name="red").update(hex="#ee0000")
    changed()
    GarmentColor.objects.filter(garment=garment, name="red").delete()
    changed()
    garment.seasons.add("summer")
    changed()
    garment.seasons.remove("summer")
    changed()
    tag = Tag.objects.create(owner=user, name="work")
    assert revision(garment) == seen[-1]  # a tag alone is not on the garment
    tag.garments.add(garment)
    changed()
    tag.garments.clear()
    changed()
    with connection.cursor() as cursor:  # raw SQL, as a restore or an administrator might
        cursor.execute("UPDATE wardrobe_garment SET laundry = 'wash' WHERE id = %s", [garment.pk])
    changed()
    assert revision(neighbour) == theirs
    made = Garment.objects.bulk_create([Garment(**_row(garment)) for _ in range(3)])
    revisions = {revision(g) for g in made}
    assert len(revisions) == 3 and not revisions & set(seen)


def _row(garment: Garment) -> dict:
    return {
        f.attname: getattr(garment, f.attname)
        for f in Garment._meta.concrete_fields
        if f.attname not in ("id", "uuid") and not f.primary_key
    }


def test_a_revision_read_in_a_rolled_back_transaction_is_never_handed_out_again(photo):
    garment = GarmentFactory(photo=photo)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            Garment.objects.filter(pk=garment.pk).update(name="undone")
            rolled_back = revision(garment)
            raise RuntimeError("undo")
    Garment.objects.filter(pk=garment.pk).update(name="kept")
    assert revision(garment) != rolled_back


def _card_reads(queries) -> list[str]:
    """The queries that read the colours of the cards to build (``selectors.garment_card_rows_from_values``)."""
    return [q["sql"] for q in queries if '"closet_garmentcolor"."hex"' in q["sql"]]


def test_the_grid_reads_again_only_the_card_of_the_edited_garment(client, user, photo, monkeypatch):
    built = []
    build = cards.garment_card_html
    monkeypatch.setattr(cards, "garment_card_html", lambda g, **kw: built.append(g.pk) or build(g, **kw))
    client.force_login(user)
    names = ("Linen shirt", "Wool coat", "Sun hat")
    shirt, coat, hat = (GarmentFactory(photo=photo, name=n, colors=("navy",)) for n in names)
    url = reverse("closet:closet")
    assert all(n in client.get(url).content.decode() for n in names)

    Garment.objects.filter(pk=coat.pk).update(name="Rain jacket")  # no signal: a new closet version
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    (read,) = _card_reads(queries)
    assert f"IN ({coat.pk})" in read, read
    assert built[-1:] == [coat.pk] and len(built) == 4  # three cards at first, then the edited one
    pages = [q["sql"] for q in queries if '"wardrobe_garment"."brand"' in q["sql"]]
    assert len(pages) == 1 and "LIMIT" in pages[0]  # the page's order and card columns: one query
    assert "Rain jacket" in html and "Wool coat" not in html and "Linen shirt" in html and "Sun hat" in html
    assert html.index("Sun hat") < html.index("Rain jacket") < html.index("Linen shirt")  # newest first

    GarmentColor.objects.filter(garment=hat).update(hex="#123456")  # a colour dot of one card
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert len(_card_reads(queries)) == 1 and f"IN ({hat.pk})" in _card_reads(queries)[0]
    assert 'fill="#123456"' in html
    Garment.objects.filter(pk=shirt.pk).update(wear_count=4)
    assert "worn 4 times" in client.get(url).content.decode()
    assert "4회 착용" in client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()  # a card per language

    GarmentType.objects.filter(slug="shirt").update(name="Top")  # the taxonomy: every card again
    Garment.objects.filter(pk=hat.pk).update(name="")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert len(_card_reads(queries)) == 1 and ">Top<" in html.replace(" <span", "<")


def test_the_api_list_serializes_again_only_the_edited_garment(api, user, photo):
    shirt, coat = GarmentFactory(photo=photo, name="Shirt"), GarmentFactory(photo=photo, name="Coat")
    tag = Tag.objects.create(owner=user, name="work")
    tag.garments.add(shirt)
    assert [g["name"] for g in api.get("/api/garments/").json()["results"]] == ["Coat", "Shirt"]

    Garment.objects.filter(pk=coat.pk).update(brand="Uniqlo")
    with CaptureQueriesContext(connection) as queries:
        results = api.get("/api/garments/").json()["results"]
    full = [q["sql"] for q in queries if '"wardrobe_garment"."notes"' in q["sql"]]
    assert len(full) == 1 and f"IN ({coat.pk})" in full[0], full
    assert [(g["name"], g["brand"], g["tags"]) for g in results] == [("Coat", "Uniqlo", []), ("Shirt", "", ["work"])]

    Tag.objects.filter(pk=tag.pk).update(name="office")  # a tag's name: no garment row changes
    assert api.get("/api/garments/").json()["results"][1]["tags"] == ["office"]
    shirt.seasons.add("winter")
    assert api.get("/api/garments/").json()["results"][1]["seasons"] == ["winter"]
    GarmentType.objects.filter(slug="shirt").update(warmth_clo=0.33)  # the taxonomy: a garment's warmth
    assert [g["warmth"] for g in api.get("/api/garments/").json()["results"]] == [0.33, 0.33]
    assert api.get("/api/garments/", {"page_size": 1, "page": 2}).json()["results"][0]["name"] == "Shirt"
    Garment.objects.filter(pk=coat.pk).delete()
    assert [g["name"] for g in api.get("/api/garments/").json()["results"]] == ["Shirt"]


def test_filter_sets_copy_their_filters_per_instance():
    """``ShallowCopyFilterSet``: each instance its own filters, form fields and bound methods."""
    one = GarmentFilter({"state": "archived"}, queryset=Garment.objects.all())
    two = GarmentFilter({"state": "bogus"}, queryset=Garment.objects.all())
    assert one.filters["state"] is not two.filters["state"] is not GarmentFilter.base_filters["state"]
    assert one.form.fields["state"] is not two.form.fields["state"]
    assert one.is_valid() and not two.is_valid() and one.filters["state"].parent is one
    assert not hasattr(GarmentFilter.base_filters["state"], "parent")
    assert '"status" = archived' in str(one.qs.query)  # filter_state, the method of its parent
    # The forms' fields are copies whose widgets and messages are their own; their choices are
    # shared until a form sets its own, which then changes no other form.
    mine, theirs = one.form.fields["state"], two.form.fields["state"]
    assert mine.widget is not theirs.widget and mine.widget.attrs is not theirs.widget.attrs
    assert mine.error_messages is not theirs.error_messages and mine.validators is not theirs.validators
    mine.choices = [("closet", "In the closet")]
    mine.widget.attrs["class"] = "mine"
    assert [v for v, _label in theirs.choices if v] == list(STATES)
    assert "class" not in GarmentFilter({}, queryset=Garment.objects.all()).form.fields["state"].widget.attrs
    assert not GarmentFilter({"state": "bogus"}, queryset=Garment.objects.all()).is_valid()


def test_sqlite_triggers_give_new_revisions_too(tmp_path):
    """The embedded default (SQLite): migrate a new database, then write as the app does."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_URL": "memory://localhost/",
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    script = """
from django.contrib.auth import get_user_model
from tests.factories import GarmentFactory, PhotoFactory, fixture_jpeg
from wardrobe.closet.models import Garment, Tag
user = get_user_model().objects.create_user(username="ann", password="x-long-password-1")
photo = PhotoFactory(owner=user, image=fixture_jpeg())
g, other = GarmentFactory(photo=photo), GarmentFactory(photo=photo)
rev = lambda x: Garment.objects.values_list("revision", flat=True).get(pk=x.pk)
seen, theirs = [rev(g)], rev(other)
Garment.objects.filter(pk=g.pk).update(brand="x"); seen.append(rev(g))
stale = Garment.objects.get(pk=g.pk); Garment.objects.filter(pk=g.pk).update(name="y"); seen.append(rev(g))
stale.save(); seen.append(rev(g))
g.colors.all().delete(); seen.append(rev(g))
g.seasons.add("summer"); seen.append(rev(g))
Tag.objects.create(owner=user, name="work").garments.add(g); seen.append(rev(g))
print(len(set(seen)), rev(other) == theirs, min(seen) > 0)
from wardrobe.closet import selectors  # the API's read of colours, seasons and tags (UNION ALL) on SQLite
(read,) = selectors.garments_load_related(list(selectors.garments_by_ids(user=user, ids=[other.pk])))
print([c.name for c in read.loaded_colors] == [c.name for c in other.colors.order_by("position")])
"""
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert shell.returncode == 0, shell.stderr[-3000:]
    assert shell.stdout.split()[-4:] == ["7", "True", "True", "True"]

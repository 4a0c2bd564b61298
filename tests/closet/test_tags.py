"""Tags and bulk edit (issue 18): the services (names, case, limits, another user's rows), the API
(``/api/tags/``, a garment's ``tags``, ``POST /api/garments/bulk/``), the ``?tag=`` filter on the
page and the API, and the pages (item page, tags page, the closet's bulk edit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import GarmentFactory, PhotoFactory
from wardrobe.closet import services
from wardrobe.closet.models import Garment, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def closet(user):
    """Three of the user's garments in the closet (shirt, pants, dress) and one waiting for review."""
    photo = PhotoFactory(owner=user)
    shirt = GarmentFactory(photo=photo, name="Oxford shirt")
    pants = GarmentFactory(photo=photo, category="pants", type="jeans", colors=("blue",))
    dress = GarmentFactory(photo=photo, category="dress", type=None, colors=("red",))
    review = GarmentFactory(photo=photo, status=Garment.Status.REVIEW)
    return shirt, pants, dress, review


@pytest.fixture
def theirs(other_user):
    return GarmentFactory(photo=PhotoFactory(owner=other_user), name="Bob's")


# --- services -----------------------------------------------------------------------------------


def test_tag_names_are_trimmed_and_unique_per_owner_whatever_the_case(user, other_user):
    tag = services.tag_create(owner=user, name="  Work   wear ")
    assert tag.name == "Work wear"
    with pytest.raises(ValidationError) as exc:
        services.tag_create(owner=user, name="WORK WEAR")
    assert "already" in str(exc.value.message_dict["name"])
    assert services.tag_create(owner=other_user, name="work wear").owner == other_user  # another user may
    for bad in ("", "   ", "a" * 41, "a,b", "tab\there\x00"):
        with pytest.raises(ValidationError):
            services.tag_create(owner=user, name=bad)
    with pytest.raises(ValidationError):
        services.tag_create(owner=user, name="ok", color="red")
    assert Tag.objects.filter(owner=user).count() == 1


def test_rename_keeps_the_garments_and_refuses_a_taken_name(user, closet):
    shirt = closet[0]
    services.garment_tags_set(garment=shirt, names=["work"])
    work = Tag.objects.get(owner=user, name="work")
    services.tag_create(owner=user, name="Gift")
    services.tag_rename(tag=work, name="Work")  # only the case changes: allowed
    assert work.name == "Work" and list(shirt.tags.values_list("name", flat=True)) == ["Work"]
    with pytest.raises(ValidationError):
        services.tag_rename(tag=work, name="gift")
    work.refresh_from_db()
    assert work.name == "Work"
    services.tag_delete(tag=work)
    assert Garment.objects.filter(pk=shirt.pk).exists() and not shirt.tags.exists()


def test_garment_tags_set_creates_unknown_names_and_matches_any_case(user, closet):
    shirt, pants = closet[0], closet[1]
    services.tag_create(owner=user, name="Work")
    tags = services.garment_tags_set(garment=shirt, names=["work", "Summer trip", "SUMMER TRIP"])
    assert [t.name for t in tags] == ["Work", "Summer trip"]
    assert Tag.objects.filter(owner=user).count() == 2
    services.garment_tags_set(garment=pants, names=["summer trip"])
    assert Tag.objects.get(name="Summer trip").garments.count() == 2
    with pytest.raises(ValidationError):
        services.garment_tags_set(garment=shirt, names=["ok", "bad,name"])
    assert sorted(shirt.tags.values_list("name", flat=True)) == ["Summer trip", "Work"]  # unchanged
    services.garment_tags_set(garment=shirt, names=[])
    assert not shirt.tags.exists()


def test_bulk_update_sets_everything_in_one_go(user, closet):
    shirt, pants, dress, _review = closet
    services.garment_tags_set(garment=dress, names=["old"])
    ids = [shirt.pk, pants.pk, dress.pk]
    n = services.garments_bulk_update(
        user=user,
        ids=ids,
        changes={
            "seasons": ["winter", "autumn"],
            "brand": " Uniqlo ",
            "laundry": "wash",
            "add_tags": ["Travel", "work"],
            "remove_tags": ["OLD"],
        },
    )
    assert n == 3
    for g in Garment.objects.filter(pk__in=ids):
        assert g.season_list == ["autumn", "winter"]
        assert g.brand == "Uniqlo" and g.laundry == "wash"
        assert sorted(g.tags.values_list("name", flat=True)) == ["Travel", "work"]
    assert Tag.objects.filter(owner=user, name="old").exists()  # removed from the items, not deleted


def test_bulk_kind_and_archive(user, closet):
    shirt, pants, dress, _review = closet
    services.garments_bulk_update(user=user, ids=[shirt.pk, pants.pk], changes={"type": "jeans"})
    assert {g.category.slug for g in Garment.objects.filter(pk__in=[shirt.pk, pants.pk])} == {"pants"}
    services.garments_bulk_update(user=user, ids=[pants.pk, dress.pk], changes={"category": "skirt"})
    pants.refresh_from_db()
    assert pants.category.slug == "skirt" and pants.type is None  # jeans is not a skirt
    services.garments_bulk_update(user=user, ids=[shirt.pk, dress.pk], changes={"archive": "donated"})
    for g in Garment.objects.filter(pk__in=[shirt.pk, dress.pk]):
        assert g.status == "archived" and g.archive_reason == "donated" and g.archived_at


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"seasons": ["monsoon"]}, "seasons"),
        ({"category": "pants", "type": "sneakers"}, "type"),
        ({"category": "no-such"}, "category"),
        ({"laundry": "dirty"}, "laundry"),
        ({"archive": "stolen"}, "archive"),
        ({"add_tags": ["a,b"]}, "add_tags"),
        ({"brand": "x" * 121}, "brand"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bulk_validates_everything_first_and_changes_nothing(user, closet, changes, field):
    shirt, pants = closet[0], closet[1]
    before = list(Garment.objects.filter(owner=user).order_by("pk").values())
    with pytest.raises(ValidationError) as exc:
        services.garments_bulk_update(user=user, ids=[shirt.pk, pants.pk], changes={"brand": "New", **changes})
    assert field in exc.value.message_dict
    assert list(Garment.objects.filter(owner=user).order_by("pk").values()) == before
    assert not Tag.objects.exists()


def test_bulk_refuses_another_users_ids_unknown_ids_and_review_items(user, closet, theirs):
    shirt = closet[0]
    for ids in ([shirt.pk, theirs.pk], [shirt.pk, 999999], [], ["1"]):
        with pytest.raises(ValidationError) as exc:
            services.garments_bulk_update(user=user, ids=ids, changes={"brand": "Mine now", "add_tags": ["x"]})
        assert "ids" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.garments_bulk_update(user=user, ids=[shirt.pk, closet[3].pk], changes={"archive": "sold"})
    assert str(closet[3].pk) in str(exc.value.message_dict["archive"])
    theirs.refresh_from_db()
    shirt.refresh_from_db()
    assert theirs.brand == "" and shirt.brand == "" and shirt.status == "closet"
    assert not Tag.objects.exists() and not theirs.tags.exists()


# --- API ----------------------------------------------------------------------------------------


def test_tags_api_crud_and_scoping(api, other_api, user, closet):
    r = api.post("/api/tags/", {"name": "Work", "color": "#AA3300"}, format="json")
    assert r.status_code == 201, r.content
    tag = r.json()
    assert tag["name"] == "Work" and tag["color"] == "#aa3300" and tag["garment_count"] == 0
    assert api.post("/api/tags/", {"name": "work"}, format="json").status_code == 400
    services.garment_tags_set(garment=closet[0], names=["Work"])
    assert api.get("/api/tags/").json()[0]["garment_count"] == 1
    r = api.patch(f"/api/tags/{tag['id']}/", {"name": "Office"}, format="json")
    assert r.status_code == 200 and r.json()["name"] == "Office"
    assert api.patch(f"/api/tags/{tag['id']}/", {"nom": "x"}, format="json").status_code == 400
    # Another user sees none of it and cannot touch it.
    assert other_api.get("/api/tags/").json() == []
    assert other_api.get(f"/api/tags/{tag['id']}/").status_code == 404
    assert other_api.patch(f"/api/tags/{tag['id']}/", {"name": "Mine"}, format="json").status_code == 404
    assert other_api.delete(f"/api/tags/{tag['id']}/").status_code == 404
    assert api.delete(f"/api/tags/{tag['id']}/").status_code == 204
    assert not Tag.objects.exists() and Garment.objects.filter(pk=closet[0].pk).exists()


def test_garment_tags_are_names_and_writable(api, user, closet):
    shirt = closet[0]
    r = api.patch(f"/api/garments/{shirt.pk}/", {"tags": ["work", "Summer"]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["tags"] == ["Summer", "work"]
    assert api.get(f"/api/garments/{shirt.pk}/").json()["tags"] == ["Summer", "work"]
    r = api.patch(f"/api/garments/{shirt.pk}/", {"tags": ["x" * 41]}, format="json")
    assert r.status_code == 400 and "tags" in r.json()
    assert api.patch(f"/api/garments/{shirt.pk}/", {"tags": []}, format="json").json()["tags"] == []


def test_tag_filter_on_the_api_and_the_page(api, client, user, closet, other_user, theirs):
    shirt, pants, dress, _review = closet
    services.garment_tags_set(garment=shirt, names=["Work"])
    services.garment_tags_set(garment=dress, names=["work", "party"])
    services.garment_tags_set(garment=theirs, names=["work"])
    ids = {g["id"] for g in api.get("/api/garments/?tag=WORK").json()["results"]}
    assert ids == {shirt.pk, dress.pk}
    assert api.get("/api/garments/?tag=nothing").json()["results"] == []
    client.force_login(user)
    html = client.get("/closet/?tag=work").content.decode()
    assert f"/garments/{shirt.pk}/" in html and f"/garments/{dress.pk}/" in html
    assert f"/garments/{pants.pk}/" not in html and f"/garments/{theirs.pk}/" not in html
    assert 'id="f-tag"' in html


def test_bulk_api(api, other_api, user, closet, theirs):
    shirt, pants, dress, _review = closet
    body = {
        "ids": [shirt.pk, pants.pk, dress.pk],
        "set": {"seasons": ["summer"], "archive": "sold"},
        "add_tags": ["Gone"],
    }
    r = api.post("/api/garments/bulk/", body, format="json")
    assert r.status_code == 200, r.content
    assert r.json() == {"changed": 3}
    assert Garment.objects.filter(pk__in=body["ids"], status="archived", seasons="summer").count() == 3
    # Another user's id among them: 400, nothing changed.
    r = api.post("/api/garments/bulk/", {"ids": [shirt.pk, theirs.pk], "set": {"brand": "X"}}, format="json")
    assert r.status_code == 400 and "ids" in r.json()
    assert (
        other_api.post("/api/garments/bulk/", {"ids": [shirt.pk], "set": {"brand": "X"}}, format="json").status_code
        == 400
    )
    assert not Garment.objects.filter(brand="X").exists()
    for bad in (
        {"ids": [shirt.pk]},
        {"ids": [shirt.pk], "set": {}},
        {"ids": [shirt.pk], "set": {"seasons": ["monsoon"]}},
        {"ids": [shirt.pk], "set": {"category": "pants", "type": "sneakers"}},
        {"ids": [shirt.pk], "set": {"colour": "red"}},
        {"ids": [shirt.pk], "sett": {"brand": "y"}},
        {"ids": [], "set": {"brand": "y"}},
    ):
        r = api.post("/api/garments/bulk/", bad, format="json")
        assert r.status_code == 400, (bad, r.content)


def test_schema_documents_tags_bulk_and_wishlist(api):
    schema = api.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"/api/tags/", "/api/tags/{id}/", "/api/garments/bulk/", "/api/wishlist/", "/api/wishlist/{id}/"} <= set(
        paths
    )
    assert "tag" in {p["name"] for p in paths["/api/garments/"]["get"]["parameters"]}
    assert "tags" in schema["components"]["schemas"]["Garment"]["properties"]
    assert "400" in paths["/api/garments/bulk/"]["post"]["responses"]


# --- pages --------------------------------------------------------------------------------------


def test_item_page_shows_and_edits_tags(client, user, closet):
    shirt = closet[0]
    services.tag_create(owner=user, name="Gift")
    client.force_login(user)
    html = client.get(f"/garments/{shirt.pk}/").content.decode()
    assert 'list="tag-names"' in html and '<option value="Gift">' in html
    from wardrobe.closet.forms import GarmentForm

    data = {k: v for k, v in GarmentForm.initial_for(shirt).items() if v not in (None, [])}
    data.update(tags="gift, Weekend", seasons=["summer"])
    r = client.post(f"/garments/{shirt.pk}/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert sorted(shirt.tags.values_list("name", flat=True)) == ["Gift", "Weekend"]


def test_tags_page_creates_renames_and_deletes(client, user, other_user):
    client.force_login(user)
    assert client.post("/closet/tags/", {"name": "Work"}).status_code == 302
    assert client.post("/closet/tags/", {"name": "work"}).status_code == 400
    tag = Tag.objects.get(owner=user)
    client.post(f"/closet/tags/{tag.pk}/rename/", {"name": "Office"})
    tag.refresh_from_db()
    assert tag.name == "Office"
    theirs = services.tag_create(owner=other_user, name="Bob")
    assert client.post(f"/closet/tags/{theirs.pk}/rename/", {"name": "Mine"}).status_code == 404
    assert client.post(f"/closet/tags/{theirs.pk}/delete/").status_code == 404
    client.post(f"/closet/tags/{tag.pk}/delete/")
    assert list(Tag.objects.values_list("name", flat=True)) == ["Bob"]


def test_closet_bulk_edit_page(client, user, closet, theirs):
    shirt, pants, dress, review = closet
    client.force_login(user)
    html = client.get("/closet/").content.decode()
    assert 'id="bulk-edit-apply"' in html and "js/bulk.js" in html
    r = client.post(
        "/closet/bulk-edit/",
        {"ids": [shirt.pk, pants.pk], "set_seasons": "1", "seasons": ["spring"], "add_tags": "a, b", "archive": "lost"},
        follow=True,
    )
    assert "2 items updated." in r.content.decode()
    assert Garment.objects.filter(pk__in=[shirt.pk, pants.pk], status="archived", seasons="spring").count() == 2
    r = client.post("/closet/bulk-edit/", {"ids": [dress.pk, theirs.pk], "brand": "Stolen"}, follow=True)
    assert "Nothing was changed" in r.content.decode()
    r = client.post("/closet/bulk-edit/", {"ids": [dress.pk]}, follow=True)
    assert "Choose at least one change." in r.content.decode()
    assert not Garment.objects.filter(brand="Stolen").exists()

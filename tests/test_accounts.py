import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

STRONG = "plaid-wool-overcoat-1987"


def test_argon2_is_the_default_hasher(user):
    assert user.password.startswith("argon2")


def test_signup_page_creates_user_and_logs_in(client):
    r = client.post(reverse("accounts:signup"),
                    {"username": "carol", "password1": STRONG, "password2": STRONG})
    assert r.status_code == 302
    assert get_user_model().objects.filter(username="carol").exists()
    assert client.get(reverse("wardrobe:closet")).status_code == 200


def test_signup_page_password_mismatch(client):
    r = client.post(reverse("accounts:signup"),
                    {"username": "carol", "password1": STRONG, "password2": STRONG + "x"})
    assert r.status_code == 200
    assert "didn’t match" in r.content.decode() or "didn't match" in r.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()


def test_signup_page_weak_password(client):
    r = client.post(reverse("accounts:signup"), {"username": "carol", "password1": "123", "password2": "123"})
    body = r.content.decode()
    assert "too short" in body and "entirely numeric" in body
    assert not get_user_model().objects.filter(username="carol").exists()


def test_login_and_logout(client, user):
    r = client.post(reverse("accounts:login"), {"username": "alice", "password": "correct horse battery staple"})
    assert r.status_code == 302
    assert client.get(reverse("wardrobe:closet")).status_code == 200
    assert client.get(reverse("accounts:logout")).status_code == 405  # logout is POST only
    assert client.post(reverse("accounts:logout")).status_code == 302
    r = client.get(reverse("wardrobe:closet"))
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]


def test_login_wrong_password(client, user):
    r = client.post(reverse("accounts:login"), {"username": "alice", "password": "nope"})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session


def test_api_signup_returns_token_that_works():
    c = APIClient()
    r = c.post("/api/auth/signup/", {"username": "dave", "password": STRONG, "password2": STRONG}, format="json")
    assert r.status_code == 201, r.content
    token = r.json()["token"]
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert c.get("/api/photos/").status_code == 200


@pytest.mark.parametrize("payload,field", [
    ({"username": "dave", "password": STRONG, "password2": "different-" + STRONG}, "password2"),
    ({"username": "dave", "password": "password", "password2": "password"}, "password"),
    ({"username": "dave", "password": "12345678901", "password2": "12345678901"}, "password"),
    ({"username": "", "password": STRONG, "password2": STRONG}, "username"),
])
def test_api_signup_validation(payload, field):
    r = APIClient().post("/api/auth/signup/", payload, format="json")
    assert r.status_code == 400
    assert field in r.json() and r.json()[field]
    assert not get_user_model().objects.filter(username="dave").exists()


def test_api_signup_duplicate_username(user):
    r = APIClient().post("/api/auth/signup/", {"username": "Alice", "password": STRONG, "password2": STRONG},
                         format="json")
    assert r.status_code == 400 and "username" in r.json()


def test_token_endpoint(user):
    c = APIClient()
    r = c.post("/api/auth/token/", {"username": "alice", "password": "correct horse battery staple"}, format="json")
    assert r.status_code == 200
    token = r.json()["token"]
    assert c.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json").status_code == 400
    assert c.get("/api/photos/").status_code == 401
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert c.get("/api/photos/").status_code == 200


def test_api_requires_auth():
    c = APIClient()
    for url in ["/api/photos/", "/api/garments/", "/api/categories/"]:
        assert c.get(url).status_code == 401

"""The deployment of ``deploy/nginx.conf``: Debian's ``nginx`` in front of gunicorn on loopback, as the
README's production set runs it (``SENDFILE_BACKEND=django_sendfile.backends.nginx``, ``NUM_PROXIES=1``,
``BEHIND_TLS_PROXY=1``, ``SECURE_COOKIES=1``).

The committed file is rendered with the test's values only: its comments dropped, then each
:data:`SUBSTITUTIONS` entry (ports, the IPv6 listens, certificate, ``MEDIA_ROOT`` and ``STATIC_ROOT``)
must match exactly as often as listed, so an edit of the deployment file is tested as written or
fails here loudly. nginx runs as the current user with its own prefix, pid, logs and temporary
folders (:data:`MAIN_CONF`, like Debian's ``/etc/nginx/nginx.conf`` around a site file), TLS with a
certificate made for 127.0.0.1 by ``openssl``.

Clients connect from several loopback addresses (127.0.0.2, 127.0.0.3): nginx's ``$remote_addr``
is then really different, which is what the lockout must tell apart. Skipped only when ``nginx`` or
``openssl`` is missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from axes.models import AccessAttempt
from django.urls import reverse
from requests.adapters import HTTPAdapter

from accounts.services import token_get_or_create
from tests.conftest import REPO
from tests.factories import PASSWORD, fixture_jpeg
from tests.live import live_gunicorn, wait_for
from wardrobe.closet.models import Photo

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
OPENSSL = shutil.which("openssl")

pytestmark = [
    pytest.mark.nginx,
    pytest.mark.skipif(
        NGINX is None or OPENSSL is None,
        reason="needs Debian's nginx and openssl (apt-get install nginx openssl; .ci/run installs them)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SITE = REPO / "deploy" / "nginx.conf"
#: (text in deploy/nginx.conf without its comments, how many times it is there, what the test puts there)
SUBSTITUTIONS = [
    ("server 127.0.0.1:8000;", 1, "server 127.0.0.1:{gunicorn};"),
    ("listen 80;", 1, "listen 127.0.0.1:{http};"),
    ("listen [::]:80;", 1, ""),
    ("listen 443 ssl http2;", 1, "listen 127.0.0.1:{https} ssl http2;"),
    ("listen [::]:443 ssl http2;", 1, ""),
    ("/etc/letsencrypt/live/wardrobe.example.org/fullchain.pem", 1, "{cert}"),
    ("/etc/letsencrypt/live/wardrobe.example.org/privkey.pem", 1, "{key}"),
    ("alias /srv/wardrobe/media/;", 1, "alias {media}/;"),
    ("alias /srv/wardrobe/staticfiles/;", 1, "alias {static}/;"),
]
MAIN_CONF = """{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/site.conf;
}}
"""
FAILURE_LIMIT = 3


def render_site(text: str, **values: object) -> str:
    """``deploy/nginx.conf`` with the test's values (see the module's docstring)."""
    text = re.sub(r"[ \t]*#.*$", "", text, flags=re.M)
    for committed, count, ours in SUBSTITUTIONS:
        assert text.count(committed) == count, f"deploy/nginx.conf no longer has {committed!r} {count} time(s)"
        text = text.replace(committed, ours.format(**values))
    for production_only in ("/srv/", "letsencrypt", ":8000", "[::]"):
        assert production_only not in text, production_only
    return text


@dataclass
class Stack:
    base: str  # https://127.0.0.1:<port> (nginx)
    http_base: str  # the plain-HTTP server that redirects
    gunicorn: str  # http://127.0.0.1:<port>, gunicorn itself
    media: Path
    static: Path
    cert: Path
    gunicorn_log: Path

    def client(self, source: str = "127.0.0.1") -> requests.Session:
        """A session trusting the test's certificate, connecting from loopback address ``source``."""
        session = requests.Session()
        session.trust_env = False  # a CA bundle from the environment would win over ``verify``
        session.verify = str(self.cert)
        session.mount("https://", _FromAddress(source))
        session.mount("http://", _FromAddress(source))
        return session

    def gunicorn_saw(self, text: str) -> int:
        """How many lines of gunicorn's access log contain ``text``."""
        return sum(text in line for line in self.gunicorn_log.read_text().splitlines())


class _FromAddress(HTTPAdapter):
    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.source, 0), **kwargs)


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    from django.conf import settings

    from tests.live import free_port

    root = tmp_path_factory.mktemp("nginx")
    media, static = root / "media", root / "static"
    media.mkdir()
    ports = {"gunicorn": 0, "http": free_port(), "https": free_port()}
    cert, key = root / "cert.pem", root / "key.pem"
    _run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key), "-out", str(cert)]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        root,
    )
    base = f"https://127.0.0.1:{ports['https']}"
    env = {
        "SENDFILE_BACKEND": "django_sendfile.backends.nginx",
        "NUM_PROXIES": "1",
        "BEHIND_TLS_PROXY": "1",
        "SECURE_COOKIES": "1",
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": base,
        "AXES_FAILURE_LIMIT": str(FAILURE_LIMIT),
    }
    # The project's own static files (the admin's and the API docs' are left out: 30 s of compression).
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    collect += ["-i", "admin", "-i", "drf_spectacular_sidecar", "-i", "rest_framework"]
    subprocess.run(collect, cwd=REPO, env={**os.environ, **env, "SECRET_KEY": "x"}, check=True, timeout=120)
    log = root / "gunicorn.log"
    with live_gunicorn(settings, log, env=env, args=("--access-logfile", "-")) as gunicorn_port:
        ports["gunicorn"] = gunicorn_port
        site = render_site(SITE.read_text(), media=media, static=static, cert=cert, key=key, **ports)
        (root / "site.conf").write_text(site)
        user = ""
        if os.geteuid() == 0:  # else nginx's workers would run as nobody, who cannot read the test's folders
            user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
        (root / "nginx.conf").write_text(MAIN_CONF.format(user=user, root=root))
        command = [NGINX, "-p", str(root), "-e", str(root / "error.log"), "-c", str(root / "nginx.conf")]
        _run([*command, "-t"], root)
        nginx = subprocess.Popen([*command, "-g", "daemon off;"], cwd=root, start_new_session=True)
        try:

            def up() -> bool:
                assert nginx.poll() is None, "nginx died:\n" + (root / "error.log").read_text()[-3000:]
                try:
                    return requests.get(base + "/accounts/login/", verify=str(cert), timeout=10).status_code == 200
                except requests.ConnectionError:
                    return False

            wait_for(up, 30, "nginx to answer")
            yield Stack(
                base, f"http://127.0.0.1:{ports['http']}", f"http://127.0.0.1:{gunicorn_port}", media, static, cert, log
            )
        finally:
            nginx.terminate()
            nginx.wait(timeout=30)


def _token_headers(user) -> dict[str, str]:
    return {"Authorization": f"Token {token_get_or_create(user=user)}"}


def test_private_media_is_sent_by_nginx_to_its_owner_only(stack, user, other_user):
    alice = stack.client()
    r = alice.post(
        stack.base + "/api/photos/",
        headers=_token_headers(user),
        files={"image": ("shirt.jpg", fixture_jpeg(), "image/jpeg")},
        timeout=60,
    )
    assert r.status_code == 202, r.text
    photo = Photo.objects.get(pk=r.json()["id"])
    stored = stack.media / photo.image.name
    path = reverse("closet:photo-image", args=[photo.pk])

    # Django only names the file (its answer announces the file's length but carries no byte of it) ...
    with requests.get(
        stack.gunicorn + path, headers={**_token_headers(user), "X-Forwarded-Proto": "https"}, stream=True, timeout=30
    ) as direct:
        assert direct.status_code == 200
        assert direct.headers["X-Accel-Redirect"] == "/protected-media/" + photo.image.name
    # ... nginx sends it, without the header, with the app's type and cache policy and its own headers.
    r = alice.get(stack.base + path, headers=_token_headers(user), timeout=30)
    assert r.status_code == 200 and r.content == stored.read_bytes()
    assert "X-Accel-Redirect" not in r.headers
    assert r.headers["Content-Type"] == "image/jpeg"
    assert "private" in r.headers["Cache-Control"]
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    part = alice.get(stack.base + path, headers={**_token_headers(user), "Range": "bytes=0-99"}, timeout=30)
    assert part.status_code == 206 and part.content == stored.read_bytes()[:100]

    # Anyone else: 404; nobody: the login page.
    assert stack.client().get(stack.base + path, headers=_token_headers(other_user), timeout=30).status_code == 404
    anonymous = stack.client().get(stack.base + path, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["Location"]
    # The internal location and the storage name are not reachable from outside.
    for url in ("/protected-media/" + photo.image.name, "/media/" + photo.image.name):
        assert alice.get(stack.base + url, headers=_token_headers(user), timeout=30).status_code == 404, url
        assert stack.client().get(stack.base + url, timeout=30).status_code == 404, url


def test_static_files_are_served_by_nginx_with_their_cache_headers(stack):
    client = stack.client()
    r = client.get(stack.base + "/static/css/app.css", timeout=30)
    assert r.status_code == 200 and r.content == (stack.static / "css" / "app.css").read_bytes()
    assert "max-age=604800" in r.headers["Cache-Control"] and "public" in r.headers["Cache-Control"]
    assert "Expires" in r.headers
    # A file only nginx knows (collected after gunicorn started): served from STATIC_ROOT by nginx.
    probe = stack.static / "nginx-probe.txt"
    probe.write_text("served by nginx")
    try:
        assert client.get(stack.base + "/static/nginx-probe.txt", timeout=30).text == "served by nginx"
    finally:
        probe.unlink()
    assert stack.gunicorn_saw("/static/") == 0
    # Plain HTTP is sent to HTTPS.
    r = client.get(stack.http_base + "/closet/?a=1", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"] == "https://127.0.0.1/closet/?a=1"


def test_nginx_refuses_a_body_over_client_max_body_size(stack, user):
    before = stack.gunicorn_saw("POST /api/photos/")
    body = bytes(31 * 1024 * 1024)  # client_max_body_size 30m
    r = stack.client().post(
        stack.base + "/api/photos/",
        headers={**_token_headers(user), "Content-Type": "multipart/form-data; boundary=x"},
        data=body,
        timeout=60,
    )
    assert r.status_code == 413 and "nginx" in r.text
    assert stack.gunicorn_saw("POST /api/photos/") == before  # gunicorn never saw it


def test_nginx_lets_a_large_import_through_to_the_app(stack, user):
    """The import's location takes bodies up to 504 MiB (an export zip may be far larger than a
    photo): a 31 MiB body that is no zip reaches the app, which answers its own 400."""
    before = stack.gunicorn_saw("POST /api/me/import/")
    boundary = "x" * 16
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="archive"; filename="a.zip"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        + bytes(31 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = stack.client().post(
        stack.base + "/api/me/import/",
        headers={**_token_headers(user), "Content-Type": f"multipart/form-data; boundary={boundary}"},
        data=body,
        timeout=120,
    )
    assert r.status_code == 400 and "archive" in r.json(), r.text[:300]
    assert stack.gunicorn_saw("POST /api/me/import/") == before + 1


def _token(session: requests.Session, stack: Stack, password: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return session.post(
        stack.base + "/api/auth/token/", data={"username": "alice", "password": password}, headers=headers, timeout=30
    )


def _web_login(session: requests.Session, stack: Stack, password: str) -> requests.Response:
    session.get(stack.base + "/accounts/login/", timeout=30)
    return session.post(
        stack.base + "/accounts/login/",
        data={"username": "alice", "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Origin": stack.base},
        allow_redirects=False,
        timeout=30,
    )


def test_the_lockout_counts_the_address_nginx_saw_and_it_cannot_be_forged(stack, user):
    """NUM_PROXIES=1: Django takes the last X-Forwarded-For entry, the one nginx appended
    ($proxy_add_x_forwarded_for: what the client sent, then $remote_addr). An attacker at 127.0.0.2
    claiming to be the owner's 127.0.0.3 (or anyone) in its own X-Forwarded-For locks only itself."""
    attacker, owner = stack.client("127.0.0.2"), stack.client("127.0.0.3")
    for i in range(FAILURE_LIMIT):
        claimed = "127.0.0.3" if i % 2 == 0 else f"203.0.113.{i}"
        assert _token(attacker, stack, "wrong", forwarded_for=claimed).status_code in (400, 429)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.2"}

    # Locked from there, whatever it claims, even with the right password, on the API and the page.
    for claimed in (None, "127.0.0.3", "198.51.100.7"):
        r = _token(attacker, stack, PASSWORD, forwarded_for=claimed)
        assert r.status_code == 429 and r.json()["detail"] and r.headers["Retry-After"], claimed
    page = _web_login(attacker, stack, PASSWORD)
    assert page.status_code == 429 and "Too many attempts" in page.text

    # The owner, from their own address, signs in on both.
    r = _token(owner, stack, PASSWORD)
    assert r.status_code == 200 and r.json()["token"]
    assert _web_login(owner, stack, PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.2"}

"""Load test: people browsing and people uploading at once, against gunicorn + a Celery worker +
PostgreSQL + Redis on this machine (loopback only, bounded in time).

    python -m bench.load --users 20 --spawn-rate 5 --duration 60 --uploaders 2 --photos tests/fixtures

What it does, in order (everything it makes is its own and goes away at the end, also on Ctrl-C):

1. a fresh PostgreSQL database ``--db-name`` (default ``wardrobe_load``; dropped first if it exists)
   on the server of ``--database-url`` (default: ``DATABASE_URL`` when it is PostgreSQL, else
   ``postgres://postgres@127.0.0.1:5432``), migrated with ``manage.py migrate``; its own Redis db
   number ``--redis-db`` (default 9, emptied first) on ``--redis-url``; ``MEDIA_ROOT`` in a temporary
   folder; static files are not collected (the simulated browsers fetch pages, API and media only);
2. gunicorn on ``wardrobe.wsgi`` (``--web-workers`` sync workers as in the Dockerfile, or gthread with
   ``--web-threads`` > 1) on 127.0.0.1 and a free port, and one Celery worker as in docker-compose
   (``celery -A workers worker -Q vision -c 1 --prefetch-multiplier 1``) running the committed vision
   models on the CPU; both with ``DEBUG=0``, a random ``SECRET_KEY`` and ``ALLOWED_HOSTS=127.0.0.1``;
3. accounts through ``accounts.services`` (one per simulated user, so a browser never logs in as
   someone else); the first ``--seed-photos`` photos are uploaded through the API and analysed by the
   worker (this also loads the models before the clock starts), and every browser's closet is filled
   with them (``services.photo_create`` + ``services.process_photo`` given the worker's detections);
4. ``locust --headless`` with ``bench/locustfile.py``: ``--uploaders`` users post photos from
   ``--photos`` through the API and wait for each result, the other ``--users`` browse (see there);
5. then waits (at most ``--drain-timeout`` seconds) for the worker to finish every uploaded photo and
   counts: an accepted upload (HTTP 202) whose photo is missing or not ``done``/``failed`` is *lost*.

Prints a table: per endpoint (ids grouped as ``[id]``) requests, requests per second, p50 and p95
latency (ms) and failures; HTTP totals; the ``PHOTO upload to done`` row (upload until the worker's
result, as the uploader waits for it); ``uploads: accepted N, done D, failed F, lost L``; the CPU
seconds the web server (per request), the worker (per photo) and locust used; and the errors (HTTP
status >= 400, no answer within ``--request-timeout`` s, a photo not ``done``, exceptions in the
simulated users), with the failures and the exceptions the web server logged. Exits 1 when there was
any error or lost upload, 2 when the setup failed, 130 when interrupted; ``--keep`` leaves the
database, Redis db and temporary folder (logs, locust's CSV files) for a look.

The API throttles are the project's defaults (per user, and every simulated person has an account of
their own, so they are not reached at the default pace), with their counters in the run's Redis db
(``CACHE_URL``) as in a deployment with several web processes, except ``THROTTLE_AUTH_RATE``, which
counts the logins per client address and would refuse the simulated people (all on this machine's
one address) after the first few: it is :data:`AUTH_RATE` for the run. ``--throttle 100000/min`` sets
every ``THROTTLE_*_RATE`` of ``wardrobe.settings`` for the run instead. A 429 counts as an error.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.load_processes import (
    ROOT,
    Processes,
    SetupError,
    cpu_seconds,
    database_urls,
    flush_redis,
    free_port,
    gunicorn_has_setting,
    recreate_database,
    redis_url,
    tail,
)
from bench.load_report import (
    format_table,
    read_accepted,
    read_exceptions,
    read_failures,
    server_errors,
    summarise,
)
from bench.load_setup import (
    django_setup,
    make_accounts,
    parse_args,
    seed_closets,
    seed_uploads,
    upload_counts,
    wait_http,
    wait_log,
)

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
#: Environment variables of ``wardrobe.settings`` holding API throttle rates (set when present).
THROTTLE_ENV = ("THROTTLE_ANON_RATE", "THROTTLE_USER_RATE", "THROTTLE_AUTH_RATE", "THROTTLE_UPLOAD_RATE")
#: The run's login rate per client address: every simulated person logs in from the same address.
AUTH_RATE = "100000/min"


def log(msg: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- results --------------------------------------------------------------------------------------


def list_photos(folders: list[str], limit: int) -> list[Path]:
    photos: list[Path] = []
    for folder in folders:
        p = Path(folder)
        photos += sorted(
            f for f in (p.iterdir() if p.is_dir() else [p]) if f.is_file() and f.suffix.lower() in PHOTO_SUFFIXES
        )
    if limit:
        photos = photos[:limit]
    if not photos:
        raise SetupError(f"no photos ({', '.join(sorted(PHOTO_SUFFIXES))}) in {folders}")
    return photos


def server_env(args: argparse.Namespace, tmp: Path) -> dict:
    """The environment of the web server, the worker and ``manage.py`` for this run."""
    media, static = tmp / "media", tmp / "static"
    media.mkdir()
    static.mkdir()
    broker = redis_url(args.redis_url, args.redis_db)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wardrobe.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_urls(args.database_url, args.db_name)[1],
        "CELERY_BROKER_URL": broker,
        "CACHE_URL": broker,
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
        "VISION_DEVICE": "cpu",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_AUTH_RATE": AUTH_RATE,
    }
    if args.throttle:
        env.update({name: args.throttle for name in THROTTLE_ENV})
    return env


def start_servers(args: argparse.Namespace, env: dict, procs: Processes, tmp: Path) -> tuple:
    """Fresh database and Redis db, gunicorn and the worker started, the database migrated.
    Returns ``(host URL, gunicorn process, worker process)``; the logs are ``tmp/gunicorn.log`` and
    ``tmp/worker.log``. Raises ``SetupError``."""
    recreate_database(database_urls(args.database_url, args.db_name)[0], args.db_name)
    flush_redis(env["CELERY_BROKER_URL"])
    port = free_port()
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:wardrobe.gunicorn_conf",
        "wardrobe.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.web_workers),
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
    ]
    if args.web_threads > 1:
        gunicorn += ["--worker-class", "gthread", "--threads", str(args.web_threads)]
    if gunicorn_has_setting("control_socket_disable"):  # newer gunicorn: no control socket in ~/.gunicorn
        gunicorn.append("--no-control-socket")
    web = procs.start("gunicorn", gunicorn, env, tmp / "gunicorn.log")
    worker = procs.start(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers",
            "worker",
            "-Q",
            "vision",
            "-c",
            "1",
            "--prefetch-multiplier",
            "1",
            "-l",
            "info",
        ],
        {**env, "LOG_LEVEL": "INFO"},
        tmp / "worker.log",
    )
    # Both servers start while the database is migrated: neither touches it before the first request / task.
    r = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if r.returncode:
        raise SetupError("migrate failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    return f"http://127.0.0.1:{port}", web, worker


def run_locust(
    args: argparse.Namespace, host: str, accounts: dict, photos: list[Path], procs: Processes, tmp: Path
) -> tuple[list[dict], float]:
    """Run locust headless for ``args.duration`` s; returns (its ``--json-file`` statistics, the CPU
    seconds locust itself used). Accepted photo ids are in ``tmp/accepted.txt``, locust's CSV files
    under ``tmp/locust_*``."""
    users_file, prefix, locust_log = tmp / "accounts.json", tmp / "locust", tmp / "locust.log"
    users_file.write_text(json.dumps(accounts))
    env = {
        **os.environ,
        "LOAD_USERS_FILE": str(users_file),
        "LOAD_UPLOADERS": str(args.uploaders),
        "LOAD_PHOTOS": os.pathsep.join(str(p.resolve()) for p in photos),
        "LOAD_ACCEPTED_FILE": str(tmp / "accepted.txt"),
        "LOAD_TIMEOUT": str(args.request_timeout),
    }
    classes = (["BrowserUser"] if accounts["browsers"] else []) + (["UploaderUser"] if args.uploaders else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    loc = procs.start(
        "locust",
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            f"{args.duration}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--json-file",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "5",
            "--loglevel",
            "WARNING",
            *classes,
        ],
        env,
        locust_log,
    )
    try:
        loc.wait(timeout=args.duration + 120)
    except subprocess.TimeoutExpired:
        procs.stop(loc)
        raise SetupError(f"locust did not stop after {args.duration + 120} s:\n{tail(locust_log)}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # locust is the only child reaped meanwhile
    stats_path = Path(f"{prefix}.json")
    if not stats_path.exists():
        raise SetupError(f"locust wrote no statistics (exit {loc.returncode}):\n{tail(locust_log)}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return json.loads(stats_path.read_text()), cpu


def run(args: argparse.Namespace, procs: Processes, tmp: Path) -> int:
    """The whole run (see the module docstring); returns the exit code. Raises ``SetupError``."""
    photos = list_photos(args.photos, args.max_photos)
    log(f"database {args.db_name}, redis db {args.redis_db}, temporary folder {tmp}")
    env = server_env(args, tmp)
    host, web, worker = start_servers(args, env, procs, tmp)
    django_setup(env)
    n_browsers = args.users - args.uploaders
    accounts = make_accounts(n_browsers, args.uploaders)
    wait_http(f"{host}/accounts/login/", web, 60)
    wait_log(tmp / "worker.log", "ready.", worker, 120, "the Celery worker")
    seeds = photos[: max(args.seed_photos, 1)]
    log(
        f"web server on {host} ({args.web_workers} workers x {args.web_threads} threads); worker ready; "
        f"analysing {len(seeds)} seed photo(s) (loads the models)"
    )
    seed_uploads(host, accounts["seed"]["token"], seeds, 300)
    garments = seed_closets(accounts["seed"]["username"], [a["username"] for a in accounts["browsers"]])
    log(
        f"{n_browsers} browser closets seeded ({garments} garments); load: {args.users} users "
        f"({args.uploaders} uploading) for {args.duration} s"
    )

    load_before = os.getloadavg()[0]
    cpu_web, cpu_worker = cpu_seconds(web), cpu_seconds(worker)
    stats, cpu_locust = run_locust(args, host, accounts, photos, procs, tmp)
    load_after = os.getloadavg()[0]
    cpu_web = cpu_seconds(web) - cpu_web

    uploaders = [a["username"] for a in accounts["uploaders"]]
    accepted = read_accepted(tmp / "accepted.txt")
    deadline = time.monotonic() + args.drain_timeout
    counts = upload_counts(uploaders, accepted)
    if counts["pending"]:
        log(f"waiting for the worker to finish {counts['pending']} photo(s)")
    while counts["pending"] and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(1)
        counts = upload_counts(uploaders, accepted)
    cpu_worker = cpu_seconds(worker) - cpu_worker

    rows, total, photo = summarise(stats, args.duration)
    http_failures = total["failures"]
    photo_failures = photo["failures"] if photo else 0
    exceptions = read_exceptions(tmp / "locust")
    errors = http_failures + photo_failures + exceptions
    print(
        f"load: {args.users} users ({args.uploaders} uploading, {n_browsers} browsing), {args.duration} s, "
        f"gunicorn {args.web_workers}x{args.web_threads}, 1 Celery worker on CPU, {os.cpu_count()} CPUs; "
        f"throttle {args.throttle or 'project default'}; 1-min load average {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end"
    )
    print(format_table(rows, total, photo))
    print(
        f"uploads: accepted {counts['accepted']}, done {counts['done']}, failed {counts['failed']}, "
        f"lost {counts['lost']}"
        + (
            f" (and {counts['unacknowledged']} stored as the run stopped, {counts['pending']} unfinished)"
            if counts["unacknowledged"]
            else ""
        )
    )
    finished = counts["done"] + counts["failed"]
    print(
        f"CPU: web server {cpu_web:.1f} s ({1000 * cpu_web / max(total['requests'], 1):.0f} ms per request), "
        f"worker {cpu_worker:.1f} s ({cpu_worker / max(finished, 1):.1f} s per photo), locust {cpu_locust:.1f} s "
        f"(PostgreSQL and Redis not counted)"
    )
    print(
        f"errors: {errors} (HTTP failures {http_failures}, photos not done {photo_failures}, "
        f"exceptions in users {exceptions})"
    )
    for line in read_failures(tmp / "locust")[:10]:
        print("  " + line)
    if exceptions:
        print("  exceptions: see locust's log\n" + tail(tmp / "locust.log", 20))
    if http_failures:
        for line in server_errors(tmp / "gunicorn.log")[:10]:
            print("  server: " + line)
    return 0 if errors == 0 and counts["lost"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__.split("\n\n")[0])
    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix="wardrobe-load-"))

    def interrupted(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or a kill: the cleanup below still runs
        signal.signal(sig, interrupted)
    code = 2
    try:
        code = run(args, procs, tmp)
    except SetupError as exc:
        log(f"setup failed: {exc}")
        for name in ("gunicorn.log", "worker.log"):
            if (tmp / name).exists():
                log(f"last lines of {name}:\n{tail(tmp / name, 15)}")
    except KeyboardInterrupt as exc:
        log(f"interrupted ({exc or 'SIGINT'}): stopping the servers and cleaning up")
        code = 130
    finally:
        procs.stop_all()
        if not args.keep:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001 - Django may not be set up yet
                pass
            try:
                recreate_database(database_urls(args.database_url, args.db_name)[0], args.db_name, drop_only=True)
                flush_redis(redis_url(args.redis_url, args.redis_db))
            except Exception as exc:  # noqa: BLE001 - report, do not hide the run's result
                log(f"cleanup: {exc}")
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept database {args.db_name}, redis db {args.redis_db} and {tmp}")
    return code


if __name__ == "__main__":
    sys.exit(main())

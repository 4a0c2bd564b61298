"""How long it takes to turn a pile of photos into reviewed closet items, through the real web page.

    make run   # in another terminal: web server + worker (or any running deployment)
    python -m bench.bulk_entry --url http://127.0.0.1:8000 --photos ../shared/datasets/clothing-dataset/images \
        --photos ../shared/datasets/ccp/photos --n 20

A new account is made through the API; headless Chromium (Debian's ``chromium`` + ``chromedriver``,
Selenium) logs in, picks ``--n`` photos in one go on the upload page (spread over the ``--photos``
folders as in ``bench.pipeline``), waits until the page reports every photo analysed, opens the
review queue, and reviews every photo's garments: the model's first guess is kept, as a person
would for the ones it got right, with one click on each photo's save button.

Prints one JSON object:

* ``machine_seconds``: from choosing the files to the page showing every photo analysed, then to
  an empty review queue (measured, wall clock);
* ``photos``, ``garments``, ``to_review`` (garments under the review threshold), ``clicks`` the
  scripted person made;
* ``person_seconds_estimate``: the person's own time by the Keystroke-Level Model (Card, Moran and
  Newell, "The Keystroke-Level Model for User Performance Time with Interactive Systems", CACM 1980:
  M = 1.35 s to decide, P = 1.1 s to point, B = 0.2 s per click): ``M + P + B`` per click made, plus
  ``M`` to look at each garment under review, plus, for the share ``--wrong`` (default 0.27, one
  minus the pipeline top-1 measured in vision/weights/classifier.md) of them, a correction by the
  "something else" select: ``M + 3 (P + B)``. Waiting for the worker is not counted as the person's
  time: the page lets them go on uploading or reviewing meanwhile.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import time
import urllib.request

from bench.pipeline import pick_photos

M, P, B = 1.35, 1.1, 0.2  # seconds, Card, Moran and Newell 1980


def signup(url: str) -> tuple[str, str]:
    """A fresh account through ``POST /api/auth/signup/``; returns (username, password)."""
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    body = json.dumps({"username": username, "password": password, "password2": password}).encode()
    req = urllib.request.Request(url + "/api/auth/signup/", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 201, resp.status
    return username, password


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--photos", action="append", required=True, help="folder of .jpg photos (repeatable)")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--wrong", type=float, default=0.27, help="share of first guesses a person corrects")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the analysis")
    args = ap.parse_args(argv)

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    url = args.url.rstrip("/")
    paths = pick_photos(args.photos, args.n)[1:]  # same spread as bench.pipeline, without its warm-up
    username, password = signup(url)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    clicks = 0
    try:
        d.get(url + "/accounts/login/")
        d.find_element(By.NAME, "username").send_keys(username)
        d.find_element(By.NAME, "password").send_keys(password)
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        d.get(url + "/upload/")
        started = time.monotonic()
        d.find_element(By.ID, "id_images").send_keys("\n".join(str(p.resolve()) for p in paths))
        clicks += 2  # open the file picker, select the photos
        while not d.find_elements(By.CSS_SELECTOR, "#go-review, #go-closet"):
            if time.monotonic() - started > args.timeout:
                raise SystemExit(
                    "timed out waiting for the analysis:\n" + d.find_element(By.CSS_SELECTOR, ".progress-area").text
                )
            time.sleep(0.5)
        analysed_s = time.monotonic() - started
        done = sum("done" in li.get_attribute("class") for li in d.find_elements(By.CSS_SELECTOR, ".upload-list li"))
        d.find_element(By.CSS_SELECTOR, "#go-review, #go-closet").click()
        clicks += 1
        to_review = 0
        while True:
            d.get(url + "/review/")
            groups = d.find_elements(By.CSS_SELECTOR, ".review-group")
            if not groups:
                break
            to_review += len(groups[0].find_elements(By.CSS_SELECTOR, ".review-card"))
            groups[0].find_element(By.CSS_SELECTOR, ".review-form > button[type=submit]").click()
            clicks += 1
        reviewed_s = time.monotonic() - started
        d.get(url + "/closet/?state=all")
        garments = int(d.find_element(By.CSS_SELECTOR, ".result-count").text.split()[0])
    finally:
        d.quit()
    person = clicks * (M + P + B) + to_review * M + round(to_review * args.wrong) * (M + 3 * (P + B))
    result = {
        "photos": len(paths),
        "analysed_ok": done,
        "garments": garments,
        "to_review": to_review,
        "clicks": clicks,
        "machine_seconds": {"until_all_analysed": round(analysed_s, 1), "until_all_reviewed": round(reviewed_s, 1)},
        "person_seconds_estimate": round(person, 1),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

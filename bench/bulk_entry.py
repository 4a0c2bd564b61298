"""How long it takes to turn a pile of photos into a tidy closet, through the real web pages.

    make run   # in another terminal: web server + worker (or any running deployment)
    python -m bench.bulk_entry --url http://127.0.0.1:8000 --n 20 [--datasets ../shared/datasets]

Photos with ground truth (``bench.bulk_entry_kit``): half (rounded down) single-item clothing-dataset
photos with a hand-checked reference mask (the ``val`` entries of ``--references``, default
``vision/references/single_item``), half CCP street photos of the validation split, interleaved. A new
account signs up through the API; headless Chromium (Debian's ``chromium`` + ``chromedriver``, Selenium)
logs in, picks the photos in one go on the upload page and waits until it reports every photo analysed.
Then a scripted careful person makes the closet tidy with real clicks, typing and drags (``ActionChains``:
press, move, release), the ground truth telling them what they see (``bench.bulk_entry_kit.plan``: a
garment of the right category at mask IoU >= 0.5 stands for a ground-truth garment; masks through the
garments' ``mask_url`` with the account's token):

* on each photo's page: pieces of one garment merged ("Merge into this one"), false garments already in
  the closet deleted (Delete, OK), each garment missed added ("Draw a box", one drag around its ground
  truth; once more, looser, if the worker finds nothing in it), and broken cutouts fixed (IoU under 0.8
  with a single item's reference, under 0.5 with a street photo's coarser labels; the new garments' too):
  in the cutout editor, per round an erase stroke through the largest wrongly included region and a keep
  stroke through the largest missed one (a polyline drag along its centre line, in displayed
  coordinates; the brush about its width: a click on the slider's track, arrow keys for the last
  steps), Apply, measure; until it is no longer broken, at most 3 rounds, then "Undo my edits" if it
  ended worse than the model's cutout. Before the strokes (``--fix box-first``, the default; ``--fix
  strokes`` leaves it out): one drag in the editor's "Box" mode around the item's box (drawn as a missed
  garment's is), which cuts the garment out again inside it; "Undo my edits" at once if that made it
  worse;
* the review queue, on its one page: false garments deleted (the card's Delete), wrong names corrected
  (the right one among the card's guesses: a click on it, Confirm; else with the searchable picker: a
  click in it, letters typed until the right option shows, a click on it, Confirm; before 2026-12-02
  always the picker), then "Confirm all on this photo" for the rest of the photo's garments;
* a garment named wrongly that skipped review: its page, the kind select, Save.

Prints one JSON object: ``machine_seconds`` (wall clock from choosing the files to all analysed, to an
empty review queue, to the tidy closet; the worker's time included); ``photos``, ``analysed_ok``,
``garments_found`` (by the model), ``to_review`` (of those), ``garments`` (at the end); ``boxes_drawn``,
``missed_added``, ``merged``, ``deleted``, ``cutouts_fixed`` (ended better), ``boxes_recut``, ``strokes``,
``renamed``;
``tidy``: the single-item photos' mean main-garment IoU as the model cut it out and at the end, and the
share of ground-truth garments present at the end, all and per kind of photo; ``clicks``, ``keystrokes``,
``drags``; ``person_seconds_estimate`` and ``person_seconds_by_activity``. Per photo, what is left
(each ground-truth garment's best IoU and the category of that garment) goes to stderr.

The person's editor work is in ``bench.bulk_entry_fix``, the rest of their parts in ``bench.bulk_entry_kit``.
The person's time is the Keystroke-Level Model (Card, Moran and Newell, "The Keystroke-Level Model
for User Performance Time with Interactive Systems", CACM 23(7), 1980): M = 1.35 s mental preparation,
P = 1.1 s pointing with the mouse, K = 0.28 s a keystroke (their average non-secretary typist, 40 wpm),
B = 0.2 s a mouse click (press and release: Kieras, "Using the Keystroke-Level Model to Estimate
Execution Times", 1993, 0.1 s each). Counted: ``M`` per garment looked at (each one the model found or
a box added) and before every fix (each merge, deletion, box, rename, stroke, cutout opened, and each
cutout judged after Apply); ``P + B`` per click (a choice in a select, the OK of a confirmation, a page
reached by one link included); ``P + B + P + B`` per drag (point, press, move, release: a box or a
stroke); ``K`` per key (letters, arrow keys). Activities: upload, review (looking, confirming), add,
fix (merges, cutouts), delete, rename. The worker's time is not the person's: they go on meanwhile.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select

from bench import bulk_entry_kit as kit
from bench.bulk_entry_fix import fix_cutout
from bench.bulk_entry_kit import Person, Work, kind_option, shown, signup, wait

REPO = Path(__file__).resolve().parents[1]


def photo_page(d, url, api, who: Person, w: Work, counts: dict):
    """Merges, deletions of garments already in the closet, boxes, cutout fixes."""
    p = w.plan
    closet_deletes = [g for g in p.delete if g not in w.in_review]
    if not (p.merge or closet_deletes or p.add or p.fix):
        return
    who.click("add" if p.add else "delete" if closet_deletes else "fix")  # the photo's link
    d.get(f"{url}/photos/{w.id}/")

    def fix_list(act):
        details = d.find_element(By.CSS_SELECTOR, "details.fix-list")
        if details.get_attribute("open") is None:
            who.click(act, d, details.find_element(By.TAG_NAME, "summary"))

    for keep, other in p.merge:
        who.think("fix")
        fix_list("fix")
        form = d.find_element(By.CSS_SELECTOR, f"#fix-{keep} form.merge")
        who.click("fix", d, form.find_element(By.TAG_NAME, "select"))
        Select(form.find_element(By.TAG_NAME, "select")).select_by_value(str(other))
        who.click("fix")
        who.click("fix", d, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        wait(lambda o=other: not d.find_elements(By.ID, f"fix-{o}"), what="the merge")
        counts["merged"] += 1
    for gid in closet_deletes:
        who.think("delete")
        fix_list("delete")
        who.click("delete", d, d.find_element(By.CSS_SELECTOR, f"#fix-{gid} button.danger"))
        d.switch_to.alert.accept()
        who.click("delete")
        wait(lambda g=gid: not d.find_elements(By.ID, f"fix-{g}"), what="the deletion")
        counts["deleted"] += 1
    for i in p.add:
        draw_box(d, api, who, w, i, counts)
    for gid, i in p.fix:
        fix_list("fix")
        fix_cutout(d, url, api, who, w, gid, i, counts, d.find_element(By.CSS_SELECTOR, f"#fix-{gid} a.button"))


def draw_box(d, api, who: Person, w: Work, i: int, counts: dict, margin: float = 0.03):
    """On the photo's page: "Draw a box", then one drag around item ``i``; waits until it is sent."""
    box = kit.box_of(w.items[i].mask, w.w, w.h, margin)
    who.think("add")
    asked = len(api.box_requests(w.id))
    who.click("add", d, wait(lambda: shown(d, "#draw-box")))
    svg = d.find_element(By.CSS_SELECTOR, "figure.photo svg.overlay")
    who.drag("add", d, svg, [(box[0] + 0.5, box[1] + 0.5), (box[2] - 0.5, box[3] - 0.5)], w.w, w.h)
    counts["boxes_drawn"] += 1
    sent = lambda: len(api.box_requests(w.id)) > asked  # noqa: E731
    wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-box-status].error") or sent(), what="the box to be sent")
    w.drawn.append((i, box))


def settle_boxes(d, url, api, who: Person, works: dict, counts: dict, timeout: float):
    """Wait for the worker to cut out the boxes drawn; a box it found nothing in is drawn once more,
    looser (15 % margin). Each new garment is looked at, its name and its cutout put right."""
    for attempt in (1, 2):
        for w in works.values():
            if not w.drawn:
                continue
            settled = lambda w=w: all(b["status"] != "pending" for b in api.box_requests(w.id))  # noqa: E731
            wait(settled, timeout, "the boxes")
            photo = api.json(f"/api/photos/{w.id}/")
            garments = {g["id"]: g for g in photo["garments"]}
            drawn, w.drawn, again = w.drawn, [], []
            for i, box in drawn:
                req = min(photo["box_requests"], key=lambda b, box=box: sum(abs(a - c) for a, c in zip(b["box"], box)))
                if req["status"] != "done" or req["garment"] not in garments:
                    again.append(i)
                    continue
                counts["missed_added"] += 1
                gid, g = req["garment"], garments[req["garment"]]
                who.think("review")  # the new garment is looked at
                if g["status"] == "review":
                    w.in_review.add(gid)
                if g["category"] not in w.items[i].allowed:
                    w.plan.rename[gid] = w.items[i].kind
                fix_cutout(d, url, api, who, w, gid, i, counts)  # if its cutout is broken
            if again and attempt == 1:
                who.click("add")  # the photo's link
                d.get(f"{url}/photos/{w.id}/")
                for i in again:
                    draw_box(d, api, who, w, i, counts, margin=0.15)


def review(d, url, who: Person, works: dict[int, Work], counts: dict):
    """The review queue, one page: deletions and renames per card, then each photo's "Confirm all"."""
    for n in range(3):  # one pass empties the queue; a late garment would get another
        if n == 0:
            who.click("review")  # the queue's link in the navigation
        d.get(url + "/review/")
        groups = d.find_elements(By.CSS_SELECTOR, ".review-group")
        if not groups:
            return
        options = d.execute_script(
            "return [...document.querySelectorAll('#kind-options option')].map(o => [o.dataset.kind, o.value])"
        )
        for group in groups:
            w = works.get(int(group.get_attribute("data-photo")))
            for card in group.find_elements(By.CSS_SELECTOR, ".review-card"):
                gid = int(card.get_attribute("data-garment"))
                if w and gid in w.plan.delete:
                    who.think("delete")
                    who.click("delete", d, card.find_element(By.CSS_SELECTOR, "[data-action=delete]"))
                    counts["deleted"] += 1
                elif w and gid in w.plan.rename and (option := kind_option(options, w.plan.rename[gid])):
                    who.think("rename")
                    if guess := shown_guess(card, w.plan.rename[gid]):
                        who.click("rename", d, guess)  # the right name is one of the card's guesses
                    else:
                        picker = card.find_element(By.CSS_SELECTOR, ".kind-picker")
                        who.click("rename", d, picker)
                        for ch in option[1]:
                            who.type("rename", picker, ch)
                            sel = f".kind-suggestions li[data-kind='{option[0]}']"
                            found = card.find_elements(By.CSS_SELECTOR, sel)
                            if found and found[0].is_displayed():
                                who.click("rename", d, found[0])
                                break
                    who.click("rename", d, card.find_element(By.CSS_SELECTOR, "[data-action=confirm]"))
                    counts["renamed"] += 1
                else:
                    continue
                wait(lambda c=card: "reviewed" in c.get_attribute("class"), 60, "the card to be saved")
            if group.find_elements(By.CSS_SELECTOR, ".review-card:not(.reviewed)"):
                who.click("review", d, group.find_element(By.CSS_SELECTOR, ".review-form > button[type=submit]"))
            wait(lambda g=group: "reviewed" in g.get_attribute("class"), 60, "the photo's garments to be saved")


def shown_guess(card, kind: str):
    """The radio of the card's guesses that names ``kind`` ("category:type"; with no type, any of its
    category), or None."""
    category, _, type_ = kind.partition(":")
    for radio in card.find_elements(By.CSS_SELECTOR, ".choice input[type=radio]"):
        value = radio.get_attribute("value")
        if value == kind or (not type_ and value.split(":")[0] == category):
            return radio
    return None


def rename_in_closet(d, url, who: Person, gid: int, kind: str):
    """A garment filed without review but named wrongly: its page, the kind select, Save."""
    who.think("rename")
    who.click("rename")  # its link on the photo page
    d.get(f"{url}/garments/{gid}/")
    select = d.find_element(By.ID, "id_kind")
    option = kind_option([[o.get_attribute("value"), o.text] for o in Select(select).options], kind)
    who.click("rename", d, select)
    Select(select).select_by_value(option[0])
    who.click("rename")
    page = d.find_element(By.TAG_NAME, "html")
    who.click("rename", d, d.find_element(By.ID, "save-details"))
    wait(lambda: staleness_of(page)(d), what="the garment to be saved")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--n", type=int, default=20, help="photos: half single-item, half street")
    ap.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets", help="../shared/datasets")
    refs = REPO / "vision" / "references" / "single_item"
    ap.add_argument("--references", type=Path, default=refs, help="spec.json + <stem>.png (the val entries)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the worker")
    ap.add_argument("--fix", choices=("box-first", "strokes"), default="box-first", help="a box, then strokes")
    args = ap.parse_args(argv)

    url = args.url.rstrip("/")
    truths = kit.pick(args.n, args.datasets, args.references)
    username, password, token = signup(url)
    api, who = kit.Api(url, token), Person(box_first=args.fix == "box-first")
    counts = dict.fromkeys(
        ("boxes_drawn", "missed_added", "merged", "deleted", "cutouts_fixed", "boxes_recut", "strokes", "renamed"), 0
    )
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,2000"):
        options.add_argument(arg)
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    try:
        d.get(url + "/accounts/login/")
        d.find_element(By.NAME, "username").send_keys(username)
        d.find_element(By.NAME, "password").send_keys(password)
        page = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait(lambda: staleness_of(page)(d), what="the login")
        d.get(url + "/upload/")
        started = time.monotonic()
        d.find_element(By.ID, "id_images").send_keys("\n".join(str(t.path.resolve()) for t in truths))
        who.click("upload")  # open the file picker
        who.click("upload")  # select the photos
        sel = "#go-review, #go-closet"
        wait(lambda: d.find_elements(By.CSS_SELECTOR, sel), args.timeout, "the analysis")
        analysed_s = time.monotonic() - started
        done = sum("done" in li.get_attribute("class") for li in d.find_elements(By.CSS_SELECTOR, ".upload-list li"))
        by_name, page = {}, "/api/photos/"
        while page:
            listing = api.json(page)
            by_name.update({p["original_filename"]: p["id"] for p in listing["results"]})
            page = listing["next"]
        works = {}
        for t in truths:
            w = Work(api, t, api.json(f"/api/photos/{by_name[t.path.name]}/"))
            works[w.id] = w
        found = sum(len(w.garments) for w in works.values())
        who.think("review", found)  # the person looks at every garment found
        for w in works.values():
            photo_page(d, url, api, who, w, counts)
        settle_boxes(d, url, api, who, works, counts, args.timeout)
        review(d, url, who, works, counts)
        reviewed_s = time.monotonic() - started
        for w in works.values():
            for gid, kind in w.plan.rename.items():
                if gid not in w.in_review:
                    rename_in_closet(d, url, who, gid, kind)
                    counts["renamed"] += 1
        tidy_s = time.monotonic() - started
    finally:
        d.quit()
    gt = {True: [0, 0], False: [0, 0]}
    before, after, garments = [], [], 0
    for w in works.values():
        final = api.garments(api.json(f"/api/photos/{w.id}/"))
        garments += len(final)
        gt[w.t.single][0] += kit.present(final, w.items)
        gt[w.t.single][1] += len(w.items)
        print(w.t.stem, kit.describe(final, w.items), file=sys.stderr)  # what is left, per item
        if w.t.single:
            before.append(w.iou_before)
            after.append(max((kit.iou(g["mask"], w.items[0].mask) for g in final), default=0.0))
    share = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    result = {
        "photos": len(works),
        "photos_single_item": sum(w.t.single for w in works.values()),
        "photos_street": sum(not w.t.single for w in works.values()),
        "analysed_ok": done,
        "garments_found": found,
        "to_review": sum(w.to_review for w in works.values()),
        "garments": garments,
        **counts,
        "tidy": {
            "single_item_mean_iou_before": share(sum(before), len(before)),
            "single_item_mean_iou": share(sum(after), len(after)),
            "gt_garments": gt[True][1] + gt[False][1],
            "gt_present_share": share(gt[True][0] + gt[False][0], gt[True][1] + gt[False][1]),
            "gt_present_share_single_item": share(*gt[True]),
            "gt_present_share_street": share(*gt[False]),
        },
        "clicks": who.clicks,
        "keystrokes": who.keystrokes,
        "drags": who.drags,
        "machine_seconds": {
            "until_all_analysed": round(analysed_s, 1),
            "until_all_reviewed": round(reviewed_s, 1),
            "until_tidy": round(tidy_s, 1),
        },
        "person_seconds_estimate": round(sum(who.seconds.values()), 1),
        "person_seconds_by_activity": {k: round(v, 1) for k, v in who.seconds.items()},
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

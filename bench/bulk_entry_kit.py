"""The parts of ``bench.bulk_entry``: the ground truth (what a careful person sees on each photo), the
geometry of their fixes, their decisions (:func:`plan`), their KLM operators (:class:`Person`), and the
API client.

* Single-item photos: the ``val`` entries of a reference spec (``vision/references/single_item``:
  ``spec.json`` and ``<stem>.png``, hand-checked masks; entries without ``checked`` or without a PNG
  are left out), the photos at ``<datasets>/clothing-dataset/images/<stem>.jpg``. One item: the
  reference mask, named by the entry's clothing-dataset label (``vision.taxonomy.CLOTHING_TO_TYPE``).
* Street photos: CCP photos of the validation split (``vision.datasets.ccp_split``), their instances
  under the project's instance rule (all pixels of one category, ``instances_from_category_map``),
  each named by its category and the CCP type covering most of it.
"""

from __future__ import annotations

import io
import json
import secrets
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from vision import datasets as ds
from vision import taxonomy

#: A garment of the right category stands for a ground-truth garment at this mask IoU or more (present).
MATCH_IOU = 0.5
#: From this IoU on, such a garment is that garment cut out roughly: its cutout is fixed in the editor
#: rather than the garment deleted and drawn again.
MAIN_MIN_IOU = 0.25
#: A cutout is right from this IoU with a hand-checked reference on; the editor's strokes aim at it.
FIX_IOU = 0.8
#: A region of a cutout's error is worth a stroke from this many pixels (and this share of the item) on.
MIN_REGION_PX, MIN_REGION_SHARE = 150, 0.01


@dataclass
class Item:
    """One ground-truth garment: its category, the "category:type" it should be named, its mask."""

    category: str
    kind: str
    mask: np.ndarray  # bool (H, W), the dataset photo's size
    allowed: frozenset[str]  # categories that name it rightly


@dataclass
class Truth:
    path: Path
    single: bool
    stem: str
    label: str = ""  # the clothing-dataset label of a single-item photo
    reference: Path | None = None
    items: list[Item] = field(default_factory=list)

    def load(self, datasets: Path) -> Truth:
        """Read the masks (only for the photos picked: CCP annotations are slow to read)."""
        if self.single:
            mask = np.asarray(Image.open(self.reference).convert("L")) > 127
            type_slug = taxonomy.CLOTHING_TO_TYPE[self.label]
            category = taxonomy.category_of_type(type_slug)
            allowed = {category} | {
                taxonomy.category_of_type(t) for t, lab in taxonomy.TYPE_TO_EVAL_LABEL.items() if lab == self.label
            }
            self.items = [Item(category, f"{category}:{type_slug}", mask, frozenset(allowed))]
        else:
            labels = ds.read_ccp_labels(datasets / "ccp", self.stem)
            for cid, mask in ds.instances_from_category_map(ds.ccp_category_map(labels)):
                category = taxonomy.CATEGORY_SLUGS[cid - 1]
                type_slug = ds.dominant_ccp_type(labels, mask)
                kind = f"{category}:{type_slug or ''}"
                self.items.append(Item(category, kind, mask, frozenset({category})))
        return self


def single_item_truths(datasets: Path, references: Path) -> list[Truth]:
    """The checked ``val`` references whose photo is there, in spec order."""
    out = []
    for entry in json.loads((references / "spec.json").read_text()):
        stem, ref = entry["stem"], references / f"{entry['stem']}.png"
        photo = datasets / "clothing-dataset" / "images" / f"{stem}.jpg"
        if entry.get("split") == "val" and entry.get("checked") and ref.exists() and photo.exists():
            if taxonomy.CLOTHING_TO_TYPE.get(entry["label"]):
                out.append(Truth(photo, True, stem, label=entry["label"], reference=ref))
    return out


def street_truths(datasets: Path) -> list[Truth]:
    """CCP photos of the validation split that have pixel labels, by number."""
    root = datasets / "ccp"
    return [Truth(root / "photos" / f"{s}.jpg", False, s) for s in ds.ccp_photo_stems(root) if ds.ccp_split(s) == "val"]


def pick(n: int, datasets: Path, references: Path) -> list[Truth]:
    """``n`` photos: half single-item (rounded down), half street, interleaved, masks loaded. Where
    one kind runs short the other fills in."""
    singles, streets = single_item_truths(datasets, references), street_truths(datasets)
    k = max(min(n // 2, len(singles)), n - len(streets))
    singles, streets = ([xs[i * len(xs) // m] for i in range(m)] for xs, m in ((singles, k), (streets, n - k)))
    out = []
    for i in range(max(len(singles), len(streets))):
        out += singles[i : i + 1] + streets[i : i + 1]
    if len(out) < n:
        raise SystemExit(f"only {len(out)} photos with ground truth under {datasets} and {references}")
    return [t.load(datasets) for t in out]


# --- geometry ------------------------------------------------------------------------------------------


def read_mask(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")) > 127


def fit(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """A ground-truth mask at the stored photo's size (nearest neighbour; the same size: as is)."""
    if mask.shape == (height, width):
        return mask
    return np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((width, height), Image.NEAREST)) > 127


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def box_of(mask: np.ndarray, width: int, height: int, margin: float = 0.03) -> list[int]:
    """The box a person draws around a garment: its tight box and a small margin, 12 pixels a side
    at least (the app takes 8 and up), inside the photo."""
    x0, y0, x1, y1 = ds.mask_box(mask)
    mx, my = (
        max(round((x1 - x0) * margin), (12 - x1 + x0 + 1) // 2),
        max(round((y1 - y0) * margin), (12 - y1 + y0 + 1) // 2),
    )
    x0, y0, x1, y1 = max(0, x0 - mx), max(0, y0 - my), min(width, x1 + mx), min(height, y1 + my)
    return [min(x0, width - 12), min(y0, height - 12), max(x1, 12), max(y1, 12)]


def largest_region(mask: np.ndarray, item_area: int) -> np.ndarray | None:
    """The largest connected part of ``mask`` after an opening (edge slivers are no region), or None
    when it is too small to be worth a stroke: under ``MIN_REGION_PX`` pixels (a tenth of a small
    item) or ``MIN_REGION_SHARE`` of the item."""
    import cv2

    size = 5 if item_area >= 5000 else 3
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((size, size), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    if n < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    floor = max(MIN_REGION_SHARE * item_area, min(MIN_REGION_PX, item_area / 10))
    return labels == best if stats[best, cv2.CC_STAT_AREA] >= floor else None


def stroke_path(region: np.ndarray, max_points: int = 8) -> tuple[list[tuple[float, float]], float]:
    """The centre line of a region, as a person strokes it: along its long axis, in each of up to
    ``max_points`` slabs across it the point deepest inside it (the ridge of the distance transform).
    Returns the points (x, y) in photo pixels and the brush width (photo pixels) that keeps the stroke
    inside the region: 1.6 times the median depth of those points."""
    import cv2

    depth = cv2.distanceTransform(np.pad(region, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    ys, xs = np.nonzero(region)
    pts = np.stack([xs, ys], 1).astype(float)
    centre = pts.mean(0)
    _, _, vt = np.linalg.svd(pts - centre, full_matrices=False)
    along = (pts - centre) @ vt[0]
    lo, hi = along.min(), along.max()
    k = int(max(1, min(max_points, (hi - lo) // max(4.0, 2 * depth.max()) + 1)))
    path, depths = [], []
    for i in range(k):
        sel = (along >= lo + (hi - lo) * i / k) & (along <= lo + (hi - lo) * (i + 1) / k)
        if not sel.any():
            continue
        j = np.flatnonzero(sel)[np.argmax(depth[ys[sel], xs[sel]])]
        path.append((float(xs[j]) + 0.5, float(ys[j]) + 0.5))
        depths.append(float(depth[ys[j], xs[j]]))
    return path, 1.6 * float(np.median(depths))


# --- the person and the app ------------------------------------------------------------------------

M, P, B, K = 1.35, 1.1, 0.2, 0.28  # seconds: Card, Moran and Newell 1980 (B: Kieras 1993, a click)
ACTIVITIES = ("upload", "review", "add", "fix", "delete", "rename")


class Person:
    """The scripted person's KLM operators, by activity."""

    def __init__(self, box_first: bool = True):
        self.box_first = box_first  # fixes a cutout with a box in the editor first, then strokes
        self.seconds = dict.fromkeys(ACTIVITIES, 0.0)
        self.clicks = self.keystrokes = self.drags = 0

    def think(self, act: str, n: int = 1):
        self.seconds[act] += n * M

    def click(self, act: str, d=None, el=None):
        if el is not None:
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
            el.click()
        self.clicks += 1
        self.seconds[act] += P + B

    def drag(self, act: str, d, el, points, width: int, height: int):
        """Press at the first point (photo pixels over ``el``), move through the others, release."""
        from selenium.webdriver.common.action_chains import ActionChains

        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        r = d.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", el)
        off = [(round(x * r[0] / width - r[0] / 2), round(y * r[1] / height - r[1] / 2)) for x, y in points]
        chain = ActionChains(d, duration=40).move_to_element_with_offset(el, *off[0]).click_and_hold()
        for p in off[1:]:
            chain = chain.move_to_element_with_offset(el, *p)
        chain.release().perform()
        self.drags += 1
        self.seconds[act] += 2 * (P + B)

    def type(self, act: str, el, text: str):
        for ch in text:
            el.send_keys(ch)
            self.keystrokes += 1
            self.seconds[act] += K


class Api:
    """The API as the account's token opens it (GET)."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def get(self, path: str) -> bytes:
        req = urllib.request.Request(path if "://" in path else self.url + path)
        req.add_header("Authorization", f"Token {self.token}")
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.read()

    def json(self, path: str):
        return json.loads(self.get(path))

    def box_requests(self, photo_id: int) -> list[dict]:
        return self.json(f"/api/photos/{photo_id}/")["box_requests"]

    def garments(self, photo: dict) -> list[dict]:
        """The photo's garments: id, category, status and mask (bool, photo pixels)."""
        keys = ("id", "category", "status")
        return [{**{k: g[k] for k in keys}, "mask": read_mask(self.get(g["mask_url"]))} for g in photo["garments"]]


class Work:
    """One photo: its ground truth fitted to the stored photo, the garments found, the plan."""

    def __init__(self, api: Api, t: Truth, photo: dict):
        self.t, self.id, self.w, self.h = t, photo["id"], photo["width"], photo["height"]
        self.items = [Item(i.category, i.kind, fit(i.mask, self.w, self.h), i.allowed) for i in t.items]
        self.garments = api.garments(photo)
        self.plan = plan(self.garments, self.items, t.single)
        self.in_review = {g["id"] for g in self.garments if g["status"] == "review"}
        self.to_review = len(self.in_review)
        self.drawn: list[tuple[int, list[int]]] = []  # (item, box)
        # a single item as the model cut it out: the best IoU of what it found with the reference
        self.iou_before = max((iou(g["mask"], self.items[0].mask) for g in self.garments), default=0.0)


def signup(url: str) -> tuple[str, str, str]:
    """A fresh account through ``POST /api/auth/signup/``; returns (username, password, token)."""
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    body = json.dumps({"username": username, "password": password, "password2": password}).encode()
    req = urllib.request.Request(url + "/api/auth/signup/", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 201, resp.status
        return username, password, json.loads(resp.read())["token"]


def wait(test, timeout: float = 120.0, what: str = "the page"):
    t0 = time.monotonic()
    while not (result := test()):
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.25)
    return result


def shown(d, css: str):
    """The first element matching ``css`` that is displayed, or None."""
    return next((e for e in d.find_elements("css selector", css) if e.is_displayed()), None)


def kind_option(options: list[list[str]], kind: str) -> list[str] | None:
    """The picker's option [value, label] for ``kind`` ("category:type"), else its category's first."""
    exact = [o for o in options if o[0] == kind]
    return (exact or [o for o in options if o[0].split(":")[0] == kind.split(":")[0]] or [None])[0]


# --- the person's decisions ---------------------------------------------------------------------------


@dataclass
class Plan:
    """What the person does on one photo. ``items`` index ``Truth.items``."""

    matched: dict[int, int] = field(default_factory=dict)  # garment id -> item it stands for
    rename: dict[int, str] = field(default_factory=dict)  # garment id -> "category:type"
    merge: list[tuple[int, int]] = field(default_factory=list)  # (kept garment, garment merged into it)
    delete: list[int] = field(default_factory=list)
    add: list[int] = field(default_factory=list)  # items to add by drawing their box
    fix: list[tuple[int, int]] = field(default_factory=list)  # (garment, item): cutouts to fix


def plan(garments: list[dict], items: list[Item], single: bool) -> Plan:
    """The person's decisions from the garments the model found (``id``, ``category``, ``mask`` at
    the photo's size) and the ground truth (masks fitted to it).

    1. A garment of an item's category at mask IoU >= ``MATCH_IOU`` stands for it (greedy, best first).
    2. Pieces: two or more garments of an unmatched item's category lying mostly on it (over half
       their pixels) are merged into the largest when together they cover it better than any one
       alone, at ``MAIN_MIN_IOU`` or more (a pair of shoes found as two).
    3. A garment of an unmatched item's category at ``MAIN_MIN_IOU`` or more stands for it: the
       right garment, cut out roughly.
    4. A garment of another category covering an unmatched item at ``MATCH_IOU`` (single-item
       photo: ``MAIN_MIN_IOU``) is that item misnamed: renamed.
    5. Every other garment is deleted (its category is not in the photo, or it repeats one already
       there); every item still unmatched is added by drawing its box.

    Cutouts fixed: each garment kept whose IoU with its item is under ``need`` (:func:`need`).
    """
    p = Plan()
    scores = {(g["id"], i): iou(g["mask"], it.mask) for g in garments for i, it in enumerate(items)}
    p.matched = _matches(garments, items, scores, MATCH_IOU)
    cover = {gid: scores[gid, i] for gid, i in p.matched.items()}
    free = [g for g in garments if g["id"] not in p.matched]
    for i, it in enumerate(items):
        pieces = [g for g in free if g["category"] in it.allowed and (g["mask"] & it.mask).sum() > g["mask"].sum() / 2]
        if i in p.matched.values() or len(pieces) < 2:
            continue
        union = iou(np.logical_or.reduce([g["mask"] for g in pieces]), it.mask)
        if union >= MAIN_MIN_IOU and union > max(scores[g["id"], i] for g in pieces):
            pieces.sort(key=lambda g: -g["mask"].sum())
            p.merge += [(pieces[0]["id"], g["id"]) for g in pieces[1:]]
            p.matched[pieces[0]["id"]], cover[pieces[0]["id"]] = i, union
            free = [g for g in free if g not in pieces]
    for gid, i in _matches(free, items, scores, MAIN_MIN_IOU, taken=set(p.matched.values())).items():
        p.matched[gid], cover[gid] = i, scores[gid, i]
    free = [g for g in free if g["id"] not in p.matched]
    threshold = MAIN_MIN_IOU if single else MATCH_IOU
    for (gid, i), s in sorted(scores.items(), key=lambda kv: -kv[1]):
        if s >= threshold and any(g["id"] == gid for g in free) and i not in p.matched.values():
            p.matched[gid], cover[gid], p.rename[gid] = i, s, items[i].kind
            free = [g for g in free if g["id"] != gid]
    p.delete = [g["id"] for g in free]
    p.add = [i for i in range(len(items)) if i not in p.matched.values()]
    p.fix = [(gid, i) for gid, i in p.matched.items() if cover[gid] < need(single)]
    return p


def need(single: bool) -> float:
    """The IoU under which a cutout is visibly broken: ``FIX_IOU`` against a hand-checked reference,
    ``MATCH_IOU`` against CCP's coarser street labels."""
    return FIX_IOU if single else MATCH_IOU


def _matches(garments: list[dict], items: list[Item], scores: dict, threshold: float, taken=()) -> dict[int, int]:
    """Garment id -> item: one garment per item not ``taken``, of a right category, at ``threshold``
    or more, greedy from the best IoU down."""
    cat = {g["id"]: g["category"] for g in garments}
    out: dict[int, int] = {}
    for (gid, i), s in sorted(scores.items(), key=lambda kv: -kv[1]):
        ok = gid in cat and s >= threshold and cat[gid] in items[i].allowed and i not in taken
        if ok and gid not in out and i not in out.values():
            out[gid] = i
    return out


def present(garments: list[dict], items: list[Item]) -> int:
    """How many of the photo's items are in the closet: a garment of a right category stands for
    each at mask IoU >= ``MATCH_IOU`` (one garment per item)."""
    scores = {(g["id"], i): iou(g["mask"], it.mask) for g in garments for i, it in enumerate(items)}
    return len(_matches(garments, items, scores, MATCH_IOU))


def describe(garments: list[dict], items: list[Item]) -> str:
    """One line: per item its category, then the best garment's IoU and category."""
    parts = []
    for it in items:
        best = max(garments, key=lambda g: iou(g["mask"], it.mask), default=None)
        parts.append(f"{it.category}: " + (f"{iou(best['mask'], it.mask):.2f} {best['category']}" if best else "-"))
    return "; ".join(parts)

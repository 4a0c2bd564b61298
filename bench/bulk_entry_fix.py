"""The cutout editor as the scripted person of ``bench.bulk_entry`` uses it: a box first (the "Box"
mode), then rounds of keep / erase strokes; ``bench.bulk_entry``'s docstring says what is counted."""

from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from bench import bulk_entry_kit as kit
from bench.bulk_entry_kit import Person, Work, shown, wait


def fix_cutout(d, url, api, who: Person, w: Work, gid: int, i: int, counts: dict, link=None):
    """Fix garment ``gid``'s cutout of item ``i`` in the editor: with ``who.box_first``, a box dragged around
    the garment in the "Box" mode first (undone if it made things worse); then rounds of strokes until
    it is no longer visibly broken (``kit.need``; at most 3); back to the model's cutout if that was better."""
    ref, target = w.items[i].mask, kit.need(w.t.single)

    def cutout():
        mask = kit.read_mask(api.get(api.json(f"/api/garments/{gid}/")["mask_url"]))
        return mask, kit.iou(mask, ref)

    mask, now = cutout()
    start = now
    if now >= target:
        return
    who.think("fix")
    who.click("fix", d, link)  # "Fix the cutout"
    if link is None:
        d.get(f"{url}/garments/{gid}/cutout/?next=/photos/{w.id}/")
    canvas = wait(lambda: shown(d, "canvas.strokes"))
    slider, mode, strokes = d.find_element(By.ID, "brush-size"), "keep", 0
    if who.box_first:
        who.click("fix", d, d.find_element(By.CSS_SELECTOR, "label:has(#mode-box)"))
        mode = "box"
        who.think("fix")
        x0, y0, x1, y1 = kit.box_of(ref, w.w, w.h)
        who.drag("fix", d, canvas, [(x0 + 0.5, y0 + 0.5), (x1 - 0.5, y1 - 0.5)], w.w, w.h)
        counts["boxes_recut"] += 1
        status = wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-mask-status].ok, [data-mask-status].error"))
        who.think("fix")  # judge the new cutout
        mask, now = cutout()
        if now < start:
            who.click("fix", d, d.find_element(By.ID, "undo-mask"))
            wait(lambda: "back" in d.find_element(By.CSS_SELECTOR, "[data-mask-status]").text)
            mask, now = cutout()
    for _ in range(3):
        if now >= target:
            break
        regions = [
            ("erase", kit.largest_region(mask & ~ref, ref.sum())),
            ("keep", kit.largest_region(ref & ~mask, ref.sum())),
        ]
        if all(r is None for _, r in regions):
            break
        scale = canvas.rect["width"] / w.w
        for kind, region in regions:
            if region is None:
                continue
            points, brush = kit.stroke_path(region)
            who.think("fix")
            if kind != mode:
                who.click("fix", d, d.find_element(By.CSS_SELECTOR, f"label:has(#mode-{kind})"))
                mode = kind
            want = min(60, max(4, round(brush * scale)))
            if abs(want - int(slider.get_attribute("value"))) > 3:
                set_slider(d, slider, want)  # a click on its track, then the arrow keys for the last steps
                who.click("fix")
                step = want - int(slider.get_attribute("value"))
                who.type("fix", slider, (Keys.ARROW_RIGHT if step > 0 else Keys.ARROW_LEFT) * abs(step))
            who.drag("fix", d, canvas, points, w.w, w.h)
            strokes += 1
        who.click("fix", d, d.find_element(By.ID, "apply-strokes"))
        status = wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-mask-status].ok, [data-mask-status].error"))
        if "error" in status[0].get_attribute("class"):
            break
        who.think("fix")  # judge the new cutout
        mask, now = cutout()
    if now < start:
        who.click("fix", d, d.find_element(By.ID, "undo-mask"))
        wait(lambda: "back" in d.find_element(By.CSS_SELECTOR, "[data-mask-status]").text)
        mask, now = cutout()
    who.click("fix", d, d.find_element(By.ID, "editor-done"))
    counts["strokes"] += strokes
    counts["cutouts_fixed"] += now > start


def set_slider(d, slider, value: int):
    """Click the brush-size range where ``value`` lies on its track (Chromium jumps the thumb there)."""
    lo, hi, width = int(slider.get_attribute("min")), int(slider.get_attribute("max")), slider.rect["width"]
    x = -width / 2 + 8 + (value - lo) / (hi - lo) * (width - 16)
    ActionChains(d).move_to_element_with_offset(slider, round(x), 0).click().perform()

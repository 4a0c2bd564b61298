// The outfit builder (a canvas of garment pictures: drag, resize, layer order) and the calendar's
// "plan this day" links. Vanilla JavaScript; the pages also work without it (the builder then saves
// the ticked items at their default places; the calendar's links reload the page).
"use strict";

(function () {
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const round4 = (v) => Math.round(v * 10000) / 10000;
  // Messages come from Django's JavaScript catalogue (the /jsi18n/ script: gettext, interpolate).
  const fmt = (s, vals) => interpolate(s, vals, true);
  const MIN_WIDTH = 0.05;
  const MAX_WIDTH = 1;

  // --- the builder ---------------------------------------------------------------------------------
  function initBuilder(form) {
    const data = JSON.parse(document.getElementById("outfit-builder-data").textContent);
    const canvas = form.querySelector("[data-canvas]");
    const empty = form.querySelector("[data-canvas-empty]");
    const tools = form.querySelector("[data-tools]");
    const live = form.querySelector("[data-live]");
    const hidden = form.querySelector("input[name=items_json]");
    const filter = form.querySelector("[data-picker-filter]");
    const boxes = new Map();
    form.querySelectorAll("input.pick-box").forEach((box) => boxes.set(Number(box.dataset.garment), box));
    /** Items bottom layer first: {garment, x, y, width, src, label, el}. */
    let items = [];
    let selected = null;

    function say(message) { live.textContent = message; }

    function place(section) {
      const p = data.places[section] || [0.5, 0.5, 0.4, 0];
      return { x: p[0], y: p[1], width: p[2] };
    }

    function makeEl(item) {
      const el = document.createElement("button");
      el.type = "button";
      el.className = "piece";
      el.dataset.garment = item.garment;
      el.setAttribute("aria-label", fmt(gettext("%(name)s on the canvas. Arrow keys move it, + and − resize it."), { name: item.label }));
      const img = document.createElement("img");
      img.src = item.src;
      img.alt = "";
      img.draggable = false;
      const handle = document.createElement("span");
      handle.className = "resize-handle";
      handle.setAttribute("aria-hidden", "true");
      el.append(img, handle);
      el.addEventListener("pointerdown", (e) => startDrag(e, item, e.target === handle ? "resize" : "move"));
      el.addEventListener("keydown", (e) => onKey(e, item));
      el.addEventListener("focus", () => select(item));
      canvas.appendChild(el);
      return el;
    }

    function render() {
      items.forEach((item, i) => {
        const s = item.el.style;
        s.left = `${item.x * 100}%`;
        s.top = `${item.y * 100}%`;
        s.width = `${item.width * 100}%`;
        s.zIndex = String(i + 1);
        item.el.classList.toggle("selected", item === selected);
        item.el.setAttribute("aria-pressed", item === selected ? "true" : "false");
      });
      empty.hidden = items.length > 0;
      tools.hidden = !selected;
      boxes.forEach((box, id) => { box.checked = items.some((it) => it.garment === id); });
      hidden.value = serialize();
    }

    function serialize() {
      return JSON.stringify(items.map((it, i) => ({
        garment: it.garment, x: round4(it.x), y: round4(it.y), width: round4(it.width), z: i })));
    }

    function add(spec, quiet) {
      if (items.some((it) => it.garment === spec.garment)) return;
      const item = { ...place(spec.section), ...spec };
      item.x = clamp(Number(item.x), 0, 1);
      item.y = clamp(Number(item.y), 0, 1);
      item.width = clamp(Number(item.width), MIN_WIDTH, MAX_WIDTH);
      item.el = makeEl(item);
      items.push(item);
      if (!quiet) { selected = item; say(fmt(gettext("%(name)s added."), { name: item.label })); }
    }

    function remove(item) {
      items = items.filter((it) => it !== item);
      item.el.remove();
      if (selected === item) selected = null;
      say(fmt(gettext("%(name)s removed."), { name: item.label }));
      render();
    }

    function select(item) {
      if (selected !== item) { selected = item; render(); }
    }

    function move(item, by) {
      const i = items.indexOf(item);
      const j = clamp(i + by, 0, items.length - 1);
      if (i === j) return;
      items.splice(i, 1);
      items.splice(j, 0, item);
      render();
    }

    function resize(item, factor) {
      item.width = clamp(item.width * factor, MIN_WIDTH, MAX_WIDTH);
      render();
    }

    function startDrag(e, item, mode) {
      if (e.button !== undefined && e.button !== 0) return;
      e.preventDefault();
      select(item);
      item.el.focus({ preventScroll: true });
      const rect = canvas.getBoundingClientRect();
      const start = { px: e.clientX, py: e.clientY, x: item.x, y: item.y, width: item.width };
      const el = item.el;
      el.setPointerCapture(e.pointerId);
      el.classList.add("dragging");
      const onMove = (ev) => {
        const dx = (ev.clientX - start.px) / rect.width;
        const dy = (ev.clientY - start.py) / rect.height;
        if (mode === "resize") {
          item.width = clamp(start.width + 2 * dx, MIN_WIDTH, MAX_WIDTH);
        } else {
          item.x = clamp(start.x + dx, 0, 1);
          item.y = clamp(start.y + dy, 0, 1);
        }
        render();
      };
      const onUp = () => {
        el.classList.remove("dragging");
        el.removeEventListener("pointermove", onMove);
        el.removeEventListener("pointerup", onUp);
        el.removeEventListener("pointercancel", onUp);
      };
      el.addEventListener("pointermove", onMove);
      el.addEventListener("pointerup", onUp);
      el.addEventListener("pointercancel", onUp);
    }

    function onKey(e, item) {
      const step = e.shiftKey ? 0.05 : 0.01;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[e.key]) {
        item.x = clamp(item.x + moves[e.key][0], 0, 1);
        item.y = clamp(item.y + moves[e.key][1], 0, 1);
        render();
      } else if (e.key === "+" || e.key === "=") {
        resize(item, 1.1);
      } else if (e.key === "-" || e.key === "_") {
        resize(item, 1 / 1.1);
      } else if (e.key === "PageUp") {
        move(item, 1);
      } else if (e.key === "PageDown") {
        move(item, -1);
      } else if (e.key === "Delete" || e.key === "Backspace") {
        remove(item);
        canvas.focus();
      } else {
        return;
      }
      e.preventDefault();
    }

    tools.addEventListener("click", (e) => {
      const act = e.target.closest("[data-act]");
      if (!act || !selected) return;
      const item = selected;
      ({
        bigger: () => resize(item, 1.1),
        smaller: () => resize(item, 1 / 1.1),
        forward: () => move(item, 1),
        backward: () => move(item, -1),
        remove: () => remove(item),
      })[act.dataset.act]();
    });

    // Ticking an item in the closet puts it on the canvas; unticking takes it off.
    boxes.forEach((box, id) => {
      box.addEventListener("change", () => {
        if (box.checked) {
          add({ garment: id, src: box.dataset.src, label: box.dataset.label, section: box.dataset.section });
          render();
        } else {
          const item = items.find((it) => it.garment === id);
          if (item) remove(item);
        }
      });
    });

    // A click on the empty canvas clears the selection.
    canvas.addEventListener("pointerdown", (e) => {
      if (e.target === canvas) { selected = null; render(); }
    });

    if (filter) {
      filter.addEventListener("change", () => {
        form.querySelectorAll(".picker-list li").forEach((li) => {
          li.hidden = Boolean(filter.value) && li.dataset.section !== filter.value;
        });
      });
    }

    form.addEventListener("submit", (e) => {
      hidden.value = serialize();
      if (!items.length) {
        e.preventDefault();
        say(gettext("Put at least one item on the canvas."));
        window.alert(gettext("Put at least one item on the canvas."));
      }
    });

    canvas.tabIndex = -1;
    data.items.slice().sort((a, b) => (a.z || 0) - (b.z || 0)).forEach((spec) => add(spec, true));
    render();
  }

  // --- the calendar ----------------------------------------------------------------------------------
  function initCalendar(table) {
    const form = document.getElementById("plan-form");
    const dateInput = form && form.querySelector("input[name=date]");
    const outfit = form && form.querySelector("select[name=outfit]");
    if (!dateInput) return;
    function choose(day) {
      dateInput.value = day;
      table.querySelectorAll("td.chosen").forEach((td) => td.classList.remove("chosen"));
      const td = table.querySelector(`td[data-date="${day}"]`);
      if (td) td.classList.add("chosen");
      form.scrollIntoView({ behavior: "smooth", block: "nearest" });
      (outfit || dateInput).focus({ preventScroll: true });
    }
    table.addEventListener("click", (e) => {
      const link = e.target.closest("[data-plan-date]");
      if (link) {
        e.preventDefault();
        choose(link.dataset.planDate);
        return;
      }
      // A click on the empty part of a day that can be planned does the same.
      const td = e.target.closest("td.day");
      if (td && !e.target.closest("a, button, form") && td.querySelector("[data-plan-date]")) choose(td.dataset.date);
    });
  }

  function init() {
    const builder = document.querySelector("[data-outfit-builder]");
    if (builder) initBuilder(builder);
    const calendar = document.querySelector("[data-calendar]");
    if (calendar) initCalendar(calendar);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

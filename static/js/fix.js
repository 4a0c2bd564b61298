// "Fix it in seconds": draw a box around a garment the model missed (photo page), and paint "keep"
// and "erase" strokes to fix a cutout (cutout editor). Pointer events: mouse, pen and touch alike.
// Coordinates are converted from the size the picture is shown at to the photo's own pixels.
// Messages come from Django's JavaScript catalogue (gettext, interpolate).
"use strict";

const fixFmt = (s, vals) => interpolate(s, vals, true);

// The first error message of a DRF answer ({"field": ["..."]}, {"detail": "..."}), or a generic one.
async function fixError(response) {
  try {
    const data = await response.json();
    const first = (v) => (Array.isArray(v) ? first(v[0]) : v && typeof v === "object" ? first(Object.values(v)[0]) : v);
    return data.detail || first(data) || "";
  } catch (e) {
    return fixFmt(gettext("The server could not save this (error %(s)s)."), { s: response.status });
  }
}

// A pointer event's position in photo pixels over an element showing the photo at any size.
function photoPoint(el, event, width, height) {
  const r = el.getBoundingClientRect();
  const x = ((event.clientX - r.left) * width) / r.width;
  const y = ((event.clientY - r.top) * height) / r.height;
  return [Math.max(0, Math.min(width, x)), Math.max(0, Math.min(height, y))];
}

// --- photo page: draw a box, the worker cuts the garment out, it appears here ------------------------
function initBoxDrawer(root) {
  const svg = root.querySelector("svg.overlay");
  const button = document.querySelector("[data-draw-box]");
  const status = document.querySelector("[data-box-status]");
  const form = document.querySelector("form.box-form");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const width = Number(root.dataset.width);
  const height = Number(root.dataset.height);
  const NS = "http://www.w3.org/2000/svg";
  let armed = false;
  let start = null;
  let rect = null;
  let swallowClick = false; // the click that ends a drawing must not follow a garment's link

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function arm(on) {
    armed = on;
    svg.classList.toggle("drawing", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) say(gettext("Press and drag over the photo around the garment."));
  }

  function boxOf(a, b) {
    return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])].map(Math.round);
  }

  function show(box) {
    rect.setAttribute("x", box[0]);
    rect.setAttribute("y", box[1]);
    rect.setAttribute("width", box[2] - box[0]);
    rect.setAttribute("height", box[3] - box[1]);
  }

  svg.addEventListener("pointerdown", (event) => {
    swallowClick = false;
    if (!armed || event.button > 0) return;
    event.preventDefault();
    svg.setPointerCapture(event.pointerId);
    start = photoPoint(svg, event, width, height);
    rect = document.createElementNS(NS, "rect");
    rect.setAttribute("class", "box drawn");
    rect.style.strokeWidth = Math.max(2, Math.round(width / 250));
    svg.appendChild(rect);
    show(boxOf(start, start));
  });
  svg.addEventListener("pointermove", (event) => {
    if (start) show(boxOf(start, photoPoint(svg, event, width, height)));
  });
  const finish = (event) => {
    if (!start) return;
    const box = boxOf(start, photoPoint(svg, event, width, height));
    start = null;
    swallowClick = true;
    arm(false);
    if (box[2] - box[0] < 8 || box[3] - box[1] < 8) {
      rect.remove();
      say(gettext("That box is too small: drag around the whole garment."), "error");
      return;
    }
    send(box, rect);
  };
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", () => { if (rect && start) rect.remove(); start = null; });
  // Links on the boxes of the garments found do not steal a drawing's clicks.
  svg.addEventListener("click", (event) => {
    if (armed || swallowClick) event.preventDefault();
    swallowClick = false;
  }, true);
  button.addEventListener("click", () => arm(!armed));
  button.hidden = false;

  async function send(box, drawn) {
    say(gettext("Looking for the garment in your box…"));
    let response;
    try {
      response = await fetch(root.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ box }),
      });
    } catch (e) {
      drawn.remove();
      say(gettext("The connection was interrupted. Try again."), "error");
      return;
    }
    if (response.status !== 202) {
      drawn.remove();
      say(await fixError(response), "error");
      return;
    }
    const request = await response.json();
    poll(request.id, drawn, Date.now());
  }

  async function poll(id, drawn, since) {
    if (Date.now() - since > 180000) {
      say(gettext("This is taking long: reload the page in a moment."), "error");
      return;
    }
    let photo = null;
    try {
      const r = await fetch(root.dataset.photoApi, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (r.ok) photo = await r.json();
    } catch (e) { /* offline for a moment: next tick */ }
    const request = photo && (photo.box_requests || []).find((b) => b.id === id);
    if (request && request.status === "done") {
      const garment = (photo.garments || []).find((g) => g.id === request.garment);
      drawn.remove();
      if (garment) added(garment);
      say(gettext("Added. It waits for you in the review queue."), "ok");
    } else if (request && request.status === "failed") {
      drawn.remove();
      say(gettext("Nothing could be cut out inside that box. Draw it closer around the garment."), "error");
    } else {
      window.setTimeout(() => poll(id, drawn, since), 1500);
    }
  }

  function added(garment) {
    const url = root.dataset.garmentUrl.replace("/0/", `/${garment.id}/`);
    const a = document.createElementNS(NS, "a");
    a.setAttribute("href", url);
    const box = document.createElementNS(NS, "rect");
    const [x0, y0, x1, y1] = garment.bbox;
    box.setAttribute("class", "box review new");
    Object.entries({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }).forEach(([k, v]) => box.setAttribute(k, v));
    box.style.strokeWidth = Math.max(2, Math.round(width / 250));
    a.appendChild(box);
    svg.appendChild(a);
    let grid = document.querySelector("[data-garment-grid]");
    if (!grid) return;
    const tile = document.createElement("div");
    tile.className = "tile added";
    tile.dataset.garment = garment.id;
    tile.innerHTML = '<a><img alt=""><span class="caption"><span class="name"></span></span>' +
      '<span class="meta"><span class="status status-pending"></span></span></a>';
    tile.querySelector("a").href = url;
    tile.querySelector("img").src = garment.picture_url;
    tile.querySelector(".name").textContent = garment.name || gettext("New garment");
    tile.querySelector(".status").textContent = gettext("To review");
    grid.prepend(tile);
  }
}

// --- cutout editor: keep / erase strokes, applied at once; a box to cut out again; undo -----------------------------------
function initMaskEditor(root) {
  const width = Number(root.dataset.width);
  const height = Number(root.dataset.height);
  const canvas = root.querySelector("canvas.strokes");
  const status = root.querySelector("[data-mask-status]");
  const apply = root.querySelector("[data-apply]");
  const clear = root.querySelector("[data-clear]");
  const size = root.querySelector("[data-brush]");
  const undoForm = root.querySelector("form.undo");
  const csrf = undoForm.querySelector("input[name=csrfmiddlewaretoken]").value;
  canvas.width = width;
  canvas.height = height;
  const view = canvas.getContext("2d");
  const layers = { keep: document.createElement("canvas"), erase: document.createElement("canvas") };
  const painted = { keep: false, erase: false };
  Object.values(layers).forEach((c) => { c.width = width; c.height = height; });
  const COLOURS = { keep: "rgba(26, 127, 55, 0.65)", erase: "rgba(180, 35, 24, 0.65)" };
  let last = null;

  const mode = () => (root.querySelector("input[name=mode]:checked") || {}).value || "keep";
  // The brush's width is given in screen pixels; strokes are drawn in photo pixels.
  const brush = () => (Number(size.value) * width) / canvas.getBoundingClientRect().width;

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function segment(ctx, colour, a, b, w) {
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = w;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0] + 0.01, b[1]);
    ctx.stroke();
  }

  function paint(a, b) {
    const m = mode();
    const w = brush();
    segment(view, COLOURS[m], a, b, w);
    segment(layers[m].getContext("2d"), "#fff", a, b, w);
    painted[m] = true;
  }

  // "Box" mode: a box dragged around the garment cuts it out again inside it, as soon as it is let go.
  let boxStart = null;
  const boxOf = (a, b) =>
    [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])].map(Math.round);
  function outline(box) {
    view.clearRect(0, 0, width, height);
    Object.values(layers).forEach((c) => view.drawImage(c, 0, 0));
    view.strokeStyle = "rgba(20, 90, 200, 0.9)";
    view.lineWidth = Math.max(2, Math.round(width / 250));
    view.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button > 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    const p = photoPoint(canvas, event, width, height);
    if (mode() === "box") {
      boxStart = p;
      outline(boxOf(p, p));
      return;
    }
    last = p;
    paint(last, last);
  });
  canvas.addEventListener("pointermove", (event) => {
    const p = photoPoint(canvas, event, width, height);
    if (boxStart) {
      outline(boxOf(boxStart, p));
      return;
    }
    if (!last) return;
    paint(last, p);
    last = p;
  });
  canvas.addEventListener("pointerup", (event) => {
    last = null;
    if (!boxStart) return;
    const box = boxOf(boxStart, photoPoint(canvas, event, width, height));
    boxStart = null;
    if (box[2] - box[0] < 8 || box[3] - box[1] < 8) {
      wipe();
      say(gettext("That box is too small: drag around the whole garment."), "error");
      return;
    }
    recut(box);
  });
  canvas.addEventListener("pointercancel", () => { last = null; if (boxStart) wipe(); boxStart = null; });

  function wipe() {
    view.clearRect(0, 0, width, height);
    Object.values(layers).forEach((c) => c.getContext("2d").clearRect(0, 0, width, height));
    painted.keep = painted.erase = false;
  }
  clear.addEventListener("click", () => { wipe(); say(""); });

  function shown(garment) {
    root.querySelectorAll("[data-mask-image]").forEach((img) => img.setAttribute("href", garment.mask_url));
    root.querySelectorAll("[data-cutout-image]").forEach((img) => { img.src = garment.cutout_url; });
    undoForm.hidden = !garment.mask_undo;
  }

  const blob = (c) => new Promise((resolve) => c.toBlob(resolve, "image/png"));

  apply.addEventListener("click", async () => {
    if (!painted.keep && !painted.erase) {
      say(gettext("Paint at least one stroke to keep or to erase."), "error");
      return;
    }
    say(gettext("Saving…"));
    apply.disabled = true;
    const data = new FormData();
    for (const name of ["keep", "erase"]) {
      if (painted[name]) data.append(name, await blob(layers[name]), `${name}.png`);
    }
    try {
      const response = await fetch(root.dataset.api, {
        method: "POST", credentials: "same-origin", body: data,
        headers: { Accept: "application/json", "X-CSRFToken": csrf },
      });
      if (response.ok) {
        shown(await response.json());
        wipe();
        say(gettext("Saved: the cutout follows your strokes."), "ok");
      } else {
        say(await fixError(response), "error");
      }
    } catch (e) {
      say(gettext("The connection was interrupted. Try again."), "error");
    }
    apply.disabled = false;
  });

  async function recut(box) {
    say(gettext("Cutting the garment out again inside your box…"));
    try {
      const response = await fetch(root.dataset.recutApi, {
        method: "POST", credentials: "same-origin", body: JSON.stringify({ box }),
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf },
      });
      if (response.ok) {
        shown(await response.json());
        wipe();
        say(gettext("Saved: the garment is cut out again inside your box."), "ok");
      } else {
        wipe();
        say(await fixError(response), "error");
      }
    } catch (e) {
      say(gettext("The connection was interrupted. Try again."), "error");
    }
  }

  undoForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(gettext("Saving…"));
    try {
      const response = await fetch(root.dataset.api, {
        method: "DELETE", credentials: "same-origin", headers: { Accept: "application/json", "X-CSRFToken": csrf },
      });
      if (response.ok) {
        shown(await response.json());
        wipe();
        say(gettext("The model's cutout is back."), "ok");
      } else {
        say(await fixError(response), "error");
      }
    } catch (e) {
      say(gettext("The connection was interrupted. Try again."), "error");
    }
  });
  root.querySelectorAll(".js-only").forEach((el) => { el.hidden = false; });
}

document.querySelectorAll("[data-box-drawer]").forEach(initBoxDrawer);
document.querySelectorAll("[data-mask-editor]").forEach(initMaskEditor);

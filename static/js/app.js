// Progressive enhancement for the wardrobe pages: every page also works without JavaScript.
"use strict";
document.documentElement.classList.add("js");

// Destructive forms ask first.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  const el = event.target;
  // The language switcher and the closet filters apply on change.
  const form = el.form;
  if (form && form.hasAttribute("data-autosubmit")) form.submit();
  if (form && form.hasAttribute("data-autosubmit-change") && el.tagName === "SELECT") form.submit();
  // "Something else" selects tick their radio button.
  if (el.dataset.check && el.value) {
    const radio = document.getElementById(el.dataset.check);
    if (radio) radio.checked = true;
  }
});

// --- bulk upload: a progress bar per file, then live processing status --------------------------
function initUploader(root) {
  // Messages come from Django's JavaScript catalogue (the /jsi18n/ script: gettext, interpolate).
  const fmt = (s, vals) => interpolate(s, vals, true);
  const form = root.querySelector("#upload-form");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const input = form.querySelector("input[type=file][name=images]");
  const camera = root.querySelector("[data-camera]");
  const drop = root.querySelector("[data-dropzone]");
  const area = root.querySelector(".progress-area");
  const list = area.querySelector(".upload-list");
  const summary = area.querySelector(".summary");
  const nextSteps = area.querySelector(".next-steps");
  const api = root.dataset.api;
  const photoUrl = (id) => root.dataset.photoUrl.replace("/0/", `/${id}/`);
  const PARALLEL = 3;
  const items = [];
  let active = 0;
  let timer = null;

  function add(files) {
    for (const file of files) {
      const li = document.createElement("li");
      li.className = "upload-item queued";
      li.innerHTML = '<span class="name"></span><progress max="100" value="0"></progress><span class="state"></span>';
      li.querySelector(".name").textContent = file.name;
      li.querySelector("progress").setAttribute("aria-label", file.name);
      li.prepend(thumbnail(file));
      list.appendChild(li);
      const item = { file, li, bar: li.querySelector("progress"), text: li.querySelector(".state"),
                     state: "queued", id: null, garments: 0, review: 0 };
      setState(item, "queued", gettext("Waiting to upload"));
      items.push(item);
    }
    area.hidden = false;
    pump();
    render();
  }

  // A small picture of the chosen file, read in the browser (a file it cannot show, HEIC in most
  // browsers, keeps a grey square).
  function thumbnail(file) {
    const img = document.createElement("img");
    img.className = "thumb";
    img.alt = "";
    const src = URL.createObjectURL(file);
    img.addEventListener("load", () => URL.revokeObjectURL(src));
    img.addEventListener("error", () => { URL.revokeObjectURL(src); img.removeAttribute("src"); });
    img.src = src;
    return img;
  }

  function setState(item, state, text, link) {
    item.state = state;
    item.li.className = `upload-item ${state}`;
    item.text.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.textContent = gettext("Open");
      item.text.append(" ", a);
    }
  }

  function pump() {
    while (active < PARALLEL) {
      const item = items.find((i) => i.state === "queued");
      if (!item) break;
      send(item);
    }
  }

  function errorMessage(xhr) {
    try {
      const data = JSON.parse(xhr.responseText);
      const first = (v) => (Array.isArray(v) ? first(v[0]) : typeof v === "object" && v ? first(Object.values(v)[0]) : v);
      return first(data.image) || data.detail || first(data) || fmt(gettext("The server could not take this file (error %(s)s)."), { s: xhr.status });
    } catch (e) {
      return fmt(gettext("The server could not take this file (error %(s)s)."), { s: xhr.status });
    }
  }

  function send(item) {
    active += 1;
    setState(item, "uploading", fmt(gettext("Uploading… %(p)s%"), { p: 0 }));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", api);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const p = Math.round((100 * e.loaded) / e.total);
      item.bar.value = p;
      item.text.textContent = fmt(gettext("Uploading… %(p)s%"), { p });
    };
    xhr.onload = () => {
      active -= 1;
      if (xhr.status === 202) {
        item.id = JSON.parse(xhr.responseText).id;
        item.bar.value = 100;
        setState(item, "pending", gettext("Waiting to be analysed"));
        startPolling();
      } else if (xhr.status === 429) {
        // The upload throttle (THROTTLE_UPLOAD_RATE), or too many of this person's photos waiting for
        // the worker (MAX_PENDING_PHOTOS, code "too_many_pending": the server's sentence says so):
        // wait as long as the server asks, then send again.
        const wait = Math.max(1, parseInt(xhr.getResponseHeader("Retry-After"), 10) || 5);
        let backlog = "";
        try {
          const body = JSON.parse(xhr.responseText);
          if (body.code === "too_many_pending") backlog = body.detail;
        } catch (e) { /* not JSON: the throttle's sentence below */ }
        item.bar.value = 0;
        setState(item, "throttled", backlog || fmt(gettext("Many photos at once: this one goes up in %(s)s s."), { s: wait }));
        window.setTimeout(() => { setState(item, "queued", gettext("Waiting to upload")); pump(); render(); }, wait * 1000);
      } else {
        item.bar.value = 0;
        setState(item, "error", errorMessage(xhr));
        if (xhr.status >= 500) addRetry(item);
      }
      pump();
      render();
    };
    xhr.onerror = () => {
      active -= 1;
      setState(item, "error", gettext("The upload was interrupted. Check your connection and try again."));
      addRetry(item);
      pump();
      render();
    };
    const data = new FormData();
    data.append("image", item.file, item.file.name);
    xhr.send(data);
  }

  function addRetry(item) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "link small";
    b.textContent = gettext("Try again");
    b.addEventListener("click", () => { setState(item, "queued", gettext("Waiting to upload")); pump(); render(); });
    item.text.append(" ", b);
  }

  function startPolling() {
    if (!timer) timer = window.setInterval(poll, 1500);
  }

  async function poll() {
    const waiting = items.filter((i) => i.id && (i.state === "pending" || i.state === "processing"));
    if (!waiting.length) {
      if (!items.some((i) => i.state === "queued" || i.state === "uploading")) {
        window.clearInterval(timer);
        timer = null;
      }
      return;
    }
    for (let k = 0; k < waiting.length; k += 50) {
      const chunk = waiting.slice(k, k + 50);
      let data;
      try {
        const r = await fetch(`${api}?ids=${chunk.map((i) => i.id).join(",")}&page_size=50`,
                              { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!r.ok) continue;
        data = await r.json();
      } catch (e) {
        continue; // offline for a moment: try again at the next tick
      }
      const rows = Array.isArray(data) ? data : data.results || [];
      for (const row of rows) {
        const item = chunk.find((i) => i.id === row.id);
        if (!item || row.status === item.state) continue;
        if (row.status === "done") {
          item.garments = row.garment_count || 0;
          item.review = row.review_count || 0;
          setState(item, "done", fmt(gettext("Done: %(n)s garment(s), %(r)s to review"), { n: item.garments, r: item.review }), photoUrl(row.id));
          showDuplicates(item, row.duplicates || []);
        } else if (row.status === "failed") {
          setState(item, "failed", fmt(gettext("Could not analyse it: %(e)s"), { e: row.error || "" }), photoUrl(row.id));
        } else {
          setState(item, row.status, row.status === "processing" ? gettext("Finding garments…") : gettext("Waiting to be analysed"));
        }
      }
    }
    render();
  }

  // "You already own this" (issue 16): new garments that very likely are ones already owned, both
  // pictures side by side and a link to the review queue, where the person answers.
  function showDuplicates(item, pairs) {
    if (!pairs.length) return;
    const p = document.createElement("p");
    p.className = "upload-duplicates warn";
    p.append(fmt(ngettext("%(n)s looks like something you already own:", "%(n)s look like things you already own:", pairs.length), { n: pairs.length }), " ");
    for (const pair of pairs) {
      for (const [src, alt] of [[pair.picture_url, gettext("The new photo")], [pair.duplicate_picture_url, gettext("In your closet")]]) {
        const img = document.createElement("img");
        img.src = src;
        img.alt = alt;
        p.append(img);
      }
    }
    const a = document.createElement("a");
    a.href = root.dataset.reviewUrl;
    a.textContent = gettext("Is it the same?");
    p.append(" ", a);
    item.text.append(p);
  }

  function render() {
    const uploaded = items.filter((i) => i.id).length;
    const analysed = items.filter((i) => i.state === "done" || i.state === "failed").length;
    summary.textContent = fmt(gettext("%(u)s of %(t)s uploaded · %(d)s analysed"), { u: uploaded, t: items.length, d: analysed });
    const busy = items.some((i) => ["queued", "throttled", "uploading", "pending", "processing"].includes(i.state));
    nextSteps.textContent = "";
    if (!busy && analysed) {
      const review = items.reduce((n, i) => n + i.review, 0);
      nextSteps.append(gettext("All photos are analysed."), " ");
      const a = document.createElement("a");
      a.className = "button";
      a.id = review ? "go-review" : "go-closet";
      a.href = review ? root.dataset.reviewUrl : root.dataset.closetUrl;
      a.textContent = review ? fmt(gettext("Review %(n)s garment(s)"), { n: review }) : gettext("Go to the closet");
      nextSteps.append(a);
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.files.length) add(input.files);
    input.value = "";
  });
  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  if (camera) camera.addEventListener("change", () => { add(camera.files); camera.value = ""; });
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => {
    e.preventDefault();
    drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) add(e.dataTransfer.files);
  });
  window.addEventListener("beforeunload", (e) => {
    if (items.some((i) => ["queued", "throttled", "uploading"].includes(i.state))) e.preventDefault();
  });
}

document.querySelectorAll("[data-uploader]").forEach(initUploader);

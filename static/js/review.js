// The review queue on one page: each garment's decision (confirm it as guessed, confirm it as
// something else found in a searchable list, or delete it) goes to the JSON API as it is made, and
// its card is marked done without reloading the page. Without JavaScript the page posts one form
// per photo (closet.views.photos.photo_review), and the picker is a plain <input list>.
"use strict";

(function () {
  const root = document.querySelector("[data-review-live]");
  if (!root) return;
  // Messages come from Django's JavaScript catalogue (the /jsi18n/ script: gettext, interpolate).
  const fmt = (s, vals) => interpolate(s, vals, true);
  const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  const csrf = csrfInput ? csrfInput.value : "";
  const endpoint = (template, id) => template.replace("/0/", `/${id}/`);
  const fold = (s) => String(s).normalize("NFC").toLocaleLowerCase().replace(/\s+/g, " ").trim();
  const NETWORK = () => gettext("Could not reach the server. Check your connection and try again.");

  // The picker's options: the label in the page's language, the "category:type" value, and every
  // language's label to search in (typing "jeans" or "청바지" finds it on a page in either language).
  const options = Array.from(root.querySelectorAll("#kind-options option")).map((o) => ({
    label: o.value,
    kind: o.dataset.kind,
    search: fold(`${o.value} | ${o.dataset.search || ""}`),
  }));
  const byLabel = new Map();
  options.forEach((o) => o.search.split(" | ").forEach((label) => byLabel.has(label) || byLabel.set(label, o)));
  const matching = (text) => {
    const words = fold(text).split(" ").filter(Boolean);
    return words.length ? options.filter((o) => words.every((w) => o.search.includes(w))) : [];
  };

  function say(card, text, isError) {
    let p = card.querySelector(".card-msg");
    if (!p) {
      p = document.createElement("p");
      p.className = "card-msg";
      p.setAttribute("role", "status");
      card.append(p);
    }
    p.textContent = text;
    p.classList.toggle("error", Boolean(isError));
    p.hidden = !text;
  }

  function tickOther(card) {
    const radio = card.querySelector("input[type=radio][value=other]");
    if (radio) radio.checked = true;
  }

  /** What the card's chosen answer means: {category, type, label}, {reject: true} or {error}. */
  function chosen(card) {
    const radio = card.querySelector("input[type=radio]:checked");
    if (!radio) return { error: gettext("Choose what this garment is.") };
    if (radio.value === "reject") return { reject: true };
    let kind = radio.value;
    let label = (radio.closest("label").querySelector(".kind") || radio.closest("label")).textContent.trim();
    if (kind === "other") {
      const text = card.querySelector(".kind-picker").value.trim();
      if (!text) return { error: gettext("Type a category or type, then pick it from the list.") };
      const found = matching(text);
      const option = byLabel.get(fold(text)) || (found.length === 1 ? found[0] : null);
      if (!option) {
        return { error: fmt(gettext("“%(text)s” is not a category or type we know: pick one from the list."), { text }) };
      }
      kind = option.kind;
      label = option.label;
    }
    const [category, type] = kind.split(":");
    return { category, type: type || null, label };
  }

  /** Whether the attribute of ``select`` (its data-applies: category slugs) is asked of ``category``. */
  const applies = (select, category) => (select.dataset.applies || "").split(" ").includes(category);

  /** Show only the unsure attributes that apply to the kind now chosen on the card. */
  function showAttributes(card) {
    const choice = chosen(card);
    card.querySelectorAll("select[data-attribute]").forEach((s) => {
      s.closest("label").hidden = Boolean(choice.category) && !applies(s, choice.category);
    });
  }

  const firstMessage = (v) => {
    if (Array.isArray(v)) return firstMessage(v[0]);
    if (v && typeof v === "object") return firstMessage("detail" in v ? v.detail : Object.values(v)[0]);
    return v;
  };

  async function send(url, body) {
    const init = { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf, Accept: "application/json" } };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const r = await fetch(url, init);
    if (r.ok) return r.status === 204 ? null : r.json();
    let message = fmt(gettext("The server could not save this (error %(s)s)."), { s: r.status });
    try {
      message = firstMessage(await r.json()) || message;
    } catch (e) {
      // not JSON: the generic message
    }
    throw new Error(message);
  }

  function updateCounts() {
    const left = root.querySelectorAll(".review-card:not(.reviewed)").length;
    root.querySelectorAll("[data-review-count]").forEach((b) => { b.textContent = left; b.hidden = !left; });
    const nav = document.querySelector("nav .badge");
    if (nav) {
      nav.removeAttribute("aria-label");
      nav.textContent = left;
      nav.hidden = !left;
    }
    const all = document.getElementById("confirm-all");
    if (all) all.textContent = gettext("Accept the model's guess for every garment left");
    root.querySelectorAll(".review-group:not(.reviewed)").forEach((group) => {
      if (group.querySelector(".review-card:not(.reviewed)")) return;
      group.classList.add("reviewed");
      group.querySelector(".review-form > button[type=submit]").hidden = true;
      group.querySelector(".group-done").hidden = false;
    });
    if (!left) {
      const form = document.getElementById("confirm-all-form");
      if (form) form.hidden = true;
      root.querySelector("[data-queue-empty]").hidden = false;
    }
  }

  function done(card, state, text) {
    const hadFocus = card.contains(document.activeElement);
    card.classList.add("reviewed", state);
    card.dataset.state = state;
    card.disabled = true; // a disabled fieldset: its controls are inert and no longer posted
    say(card, text);
    updateCounts();
    if (hadFocus) {
      const next = root.querySelector(".review-card:not(.reviewed) [data-action=confirm]");
      if (next) next.focus();
    }
  }

  /** Save one card's decision; true once it is saved (or was already). */
  async function decide(card, action) {
    if (card.classList.contains("reviewed")) return true;
    if (card.getAttribute("aria-busy") === "true") return false;
    const choice = action === "delete" ? { reject: true } : chosen(card);
    if (choice.error) {
      say(card, choice.error, true);
      return false;
    }
    card.setAttribute("aria-busy", "true");
    say(card, gettext("Saving…"));
    try {
      if (choice.reject) {
        await send(endpoint(root.dataset.rejectUrl, card.dataset.garment));
        done(card, "deleted", gettext("Deleted: not a garment."));
      } else {
        const body = { category: choice.category, type: choice.type };
        // Issue 17: the card's unsure attributes (pattern, sleeve, ...), as the person left them; one
        // that does not apply to the kind chosen (sleeves of a skirt) is not sent, as the API refuses it.
        card.querySelectorAll("select[data-attribute]").forEach((s) => {
          if (applies(s, choice.category)) body[s.dataset.attribute] = s.value;
        });
        await send(endpoint(root.dataset.confirmUrl, card.dataset.garment), body);
        done(card, "confirmed", fmt(gettext("In the closet as %(kind)s."), { kind: choice.label }));
      }
      return true;
    } catch (e) {
      say(card, e instanceof TypeError ? NETWORK() : e.message, true);
      return false;
    } finally {
      card.removeAttribute("aria-busy");
    }
  }

  // --- the searchable category and type picker: a filter-as-you-type list under the text box ---
  function enhancePicker(input) {
    const card = input.closest(".review-card");
    const list = document.createElement("ul");
    list.className = "kind-suggestions";
    list.id = `${input.id}-list`;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.after(list);
    let shown = [];
    let active = -1;

    function highlight(i) {
      active = i;
      Array.from(list.children).forEach((li, k) => li.classList.toggle("active", k === i));
      if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
      else input.removeAttribute("aria-activedescendant");
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }
    function open() {
      shown = matching(input.value).slice(0, 8);
      list.textContent = "";
      shown.forEach((o, i) => {
        const li = document.createElement("li");
        li.id = `${list.id}-${i}`;
        li.setAttribute("role", "option");
        li.dataset.kind = o.kind;
        li.textContent = o.label;
        li.addEventListener("mousedown", (e) => {
          e.preventDefault(); // keep the focus in the text box
          choose(o);
        });
        list.append(li);
      });
      list.hidden = !shown.length;
      input.setAttribute("aria-expanded", String(!list.hidden));
      highlight(-1);
    }
    function choose(o) {
      input.value = o.label;
      close();
      tickOther(card);
      say(card, "");
      showAttributes(card);
    }
    input.addEventListener("input", () => {
      tickOther(card);
      open();
    });
    input.addEventListener("focus", () => input.value && open());
    input.addEventListener("blur", close);
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden) open();
        if (!shown.length) return;
        e.preventDefault();
        highlight((active + (e.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length);
      } else if (e.key === "Enter") {
        e.preventDefault(); // never sends the whole photo's form
        if (active >= 0) choose(shown[active]);
        else if (!list.hidden && shown.length === 1) choose(shown[0]);
        else if (list.hidden) decide(card, "confirm");
      } else if (e.key === "Escape" && !list.hidden) {
        e.preventDefault();
        close();
      }
    });
  }

  root.querySelectorAll(".review-card").forEach((card) => {
    card.querySelector(".card-actions").hidden = false;
    const reject = card.querySelector(".choice.reject");
    if (reject) reject.hidden = true; // the card's Delete button does it now
    card.querySelector("[data-action=confirm]").addEventListener("click", () => decide(card, "confirm"));
    card.querySelector("[data-action=delete]").addEventListener("click", () => decide(card, "delete"));
    enhancePicker(card.querySelector(".kind-picker"));
    card.querySelectorAll("input[type=radio]").forEach((r) => r.addEventListener("change", () => showAttributes(card)));
  });

  // A photo's "Confirm all" saves each of its open cards as chosen; the page's "Accept all" accepts
  // every photo's open garments as guessed. Listening on the document, after app.js: a question
  // (data-confirm) answered "no" has already cancelled the event.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (event.defaultPrevented || !root.contains(form)) return;
    if (form.classList.contains("review-form")) {
      event.preventDefault();
      const button = form.querySelector(":scope > button[type=submit]");
      button.disabled = true;
      for (const card of form.querySelectorAll(".review-card:not(.reviewed)")) await decide(card, "confirm");
      button.disabled = false;
    } else if (form.id === "confirm-all-form") {
      event.preventDefault();
      for (const group of root.querySelectorAll(".review-group:not(.reviewed)")) {
        const cards = Array.from(group.querySelectorAll(".review-card:not(.reviewed)"));
        try {
          await send(endpoint(root.dataset.photoConfirmUrl, group.dataset.photo));
          cards.forEach((card) => done(card, "confirmed", gettext("In the closet as the model guessed.")));
        } catch (e) {
          cards.forEach((card) => say(card, e instanceof TypeError ? NETWORK() : e.message, true));
        }
      }
    }
  });
})();

// Packing list check-boxes: ticking one posts it at once (no reload) and updates the count.
(function () {
  "use strict";
  const count = document.getElementById("packed-count");
  function refreshCount() {
    if (!count) return;
    const total = Number(count.dataset.total || 0);
    const packed = document.querySelectorAll(".packing-item .pack-box:checked").length;
    count.textContent = interpolate(gettext("%(packed)s of %(total)s packed"), { packed: packed, total: total }, true);
  }
  document.querySelectorAll(".pack-form").forEach(function (form) {
    const box = form.querySelector(".pack-box");
    const field = form.querySelector("input[name=packed]");
    box.addEventListener("change", function () {
      field.value = box.checked ? "1" : "0";
      const body = new FormData(form);
      fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          box.checked = data.packed;
          form.closest(".packing-item").classList.toggle("packed", data.packed);
          field.value = data.packed ? "0" : "1";
          refreshCount();
        })
        .catch(function () { box.checked = !box.checked; window.alert(gettext("Could not save. Check your connection and try again.")); });
    });
  });
})();

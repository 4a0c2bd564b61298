// Closet select mode and bulk edit (issue 18): a live count of the ticked items, "Select all" on this
// page, Enter in a bulk-edit field applies the edit (not the bar's first button), and ticking a
// season ticks "Set the seasons to". No inline script (CSP): loaded by closet.html.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var boxes = function () { return Array.prototype.slice.call(document.querySelectorAll('input.pick[form="bulk-form"]')); };
  var count = document.getElementById("selected-count");
  var all = document.getElementById("select-all");
  var apply = document.getElementById("bulk-edit-apply");
  var t = window.gettext || function (s) { return s; };
  var n = window.ngettext || function (a, b, k) { return k === 1 ? a : b; };
  var fmt = window.interpolate || function (s, v) { return s.replace("%s", v[0]); };

  function update() {
    var picked = boxes().filter(function (b) { return b.checked; }).length;
    var total = boxes().length;
    if (count) count.textContent = picked ? fmt(n("%s selected", "%s selected", picked), [picked]) : t("None selected");
    if (all) {
      all.hidden = total === 0;
      all.textContent = picked === total && total ? t("Select none") : t("Select all");
    }
    if (apply) apply.disabled = picked === 0;
  }

  document.addEventListener("change", function (e) {
    if (e.target.classList && e.target.classList.contains("pick")) update();
    if (e.target.name === "seasons" && e.target.closest && e.target.closest("#bulk-edit")) {
      var set = document.getElementById("be-set-seasons");
      if (set) set.checked = true;
    }
  });
  if (all) {
    all.addEventListener("click", function () {
      var list = boxes();
      var every = list.every(function (b) { return b.checked; });
      list.forEach(function (b) { b.checked = !every; });
      update();
    });
  }
  var edit = document.getElementById("bulk-edit");
  if (edit && apply) {
    edit.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target.tagName === "INPUT") {
        e.preventDefault();
        if (!apply.disabled) apply.click();
      }
    });
  }
  update();
})();

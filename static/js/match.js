// "Do I own something like this?" (closet/match.html): the page works without JavaScript; this only
// says that the photo is being looked at while the server waits for a worker, and keeps the form
// from being sent twice.
"use strict";

(function () {
  const form = document.getElementById("match-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    const button = form.querySelector("#match-submit");
    const status = form.querySelector("#match-status");
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    window.setTimeout(() => { button.disabled = true; }, 0); // after the browser took the form's data
    status.textContent = form.dataset.busy;
  });
})();

// Confirm destructive forms; show chosen file names on the upload form.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("change", (event) => {
  const input = event.target;
  if (input.type !== "file") return;
  const label = input.closest("label")?.querySelector("span");
  if (label) label.textContent = input.files.length ? `${input.files.length} file(s): ` +
    Array.from(input.files).map((f) => f.name).join(", ") : "Choose photos…";
});

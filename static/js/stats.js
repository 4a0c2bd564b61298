// The statistics page's charts (issue 18), drawn with the vendored Chart.js (static/vendor/chartjs)
// from the data the page carries in <script id="stats-data" type="application/json"> (json_script):
// per chart key {kind: bar|hbar|line|doughnut, labels, values, colors, unit}. Each chart has a table
// of the same figures beside it for screen readers (the <details> under it). No animation: the chart
// is drawn at once (and for people who prefer reduced motion).
(function () {
  "use strict";
  const source = document.getElementById("stats-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const accent = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#2f6f6a";
  const palette = ["#2f6f6a", "#d08c2e", "#5a7bb5", "#b5546a", "#6a9a4a", "#8a6bb0", "#c4a23a", "#4a9aa5", "#a05a3a", "#777"];

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    const chart = data[canvas.dataset.chart];
    if (!chart) return;
    const horizontal = chart.kind === "hbar";
    const round = chart.kind === "doughnut";
    const colors = chart.colors || (round ? palette : null);
    new window.Chart(canvas, {
      type: horizontal ? "bar" : chart.kind,
      data: {
        labels: chart.labels,
        datasets: [{
          label: chart.unit,
          data: chart.values,
          backgroundColor: colors || accent,
          borderColor: round ? "#fff" : accent,
          borderWidth: round ? 1 : 2,
          fill: false,
          tension: 0,
        }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: round, position: "bottom" } },
        scales: round ? {} : { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
})();

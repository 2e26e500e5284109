/* Cadence console: draws the server-computed charts and runs the live segment preview.
   Data arrives in data-* attributes (JSON); this file holds no data of its own. */
(function () {
  "use strict";
  var palette = ["#2f5bd3", "#d08a00", "#1e7b4a", "#b3261e", "#7b3fb5", "#00838f"];

  function drawCharts() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = JSON.parse(canvas.getAttribute("data-chart"));
      spec.data.datasets.forEach(function (set, i) {
        set.backgroundColor = palette[i % palette.length];
        set.borderColor = palette[i % palette.length];
        set.tension = 0.25;
        set.pointRadius = 0;
      });
      var stacked = !!spec.stacked;
      new Chart(canvas, {
        type: spec.type,
        data: spec.data,
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } },
          plugins: { legend: { position: "bottom" } }
        }
      });
    });
  }

  function livePreview() {
    var box = document.getElementById("condition");
    var out = document.getElementById("preview-count");
    if (!box || !out) { return; }
    var timer = null;
    var token = box.getAttribute("data-csrf");
    function run() {
      fetch("/console/api/segments/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify({ condition: box.value })
      }).then(function (answer) {
        return answer.json().then(function (body) { return { ok: answer.ok, body: body }; });
      }).then(function (result) {
        if (result.ok) {
          out.textContent = result.body.count + " contact(s) match now";
          out.className = "ok";
        } else {
          out.textContent = result.body.message || "not a valid condition";
          out.className = "problem";
        }
      });
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 300);
    });
    run();
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    livePreview();
  });
}());

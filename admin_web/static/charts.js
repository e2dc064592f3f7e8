// Draws every `.chart` of the page with the vendored ECharts. The data comes in the element's
// `data-chart` attribute as JSON (names and series), never as script, so the CSP stays strict;
// ECharts draws labels on a canvas and escapes its tooltips, so names typed by people stay text.
(function () {
  "use strict";
  function draw(el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: spec.names, axisLabel: { interval: 0, rotate: spec.names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type === "line" ? "line" : "bar", data: s.data, barMaxWidth: 36 };
      })
    });
    el.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function all() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll(".chart[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
})();

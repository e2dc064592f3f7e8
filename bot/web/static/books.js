// /m/books: draws the twelve-month trend from the page's JSON (no inline script: the CSP).
// The chart library (ECharts, 170 KB gzipped) is not a blocking script of the page: the page
// preloads it (the download starts with the page's own) and it runs from here, once the page
// is parsed, so on a slow connection the cards show and open at once and the chart follows; a
// repeat visit takes it from the browser's cache (its address carries its content's hash).
(function () {
  "use strict";
  var holder = document.getElementById("trend");
  var source = document.getElementById("trend-data");
  if (!holder || !source) { return; }

  function draw() {
    if (!window.echarts || holder.getAttribute("data-drawn")) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    function pct(v) { return v === null || v === undefined ? "—" : (v > 0 ? "+" : "") + v + "%"; }
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 32, bottom: 4, containLabel: true },
      legend: { data: ["营业收入", "净利润"], top: 0 },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          var lines = [data.periods[i]];
          items.forEach(function (it) {
            lines.push(it.seriesName + "：" + (it.value === null ? "未出账" : it.value.toLocaleString("zh-CN")));
          });
          lines.push("收入环比 " + pct(data.mom[i]) + "，同比 " + pct(data.yoy[i]));
          return lines.join("<br>");
        }
      },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return v >= 10000 || v <= -10000 ? (v / 10000) + "万" : v; } } },
      series: [
        { name: "营业收入", type: "bar", data: data.revenue, itemStyle: { color: "#07c160" } },
        { name: "净利润", type: "line", data: data.profit, itemStyle: { color: "#fa9d3b" } }
      ]
    });
    holder.setAttribute("data-drawn", "1");
    if (window.performance && performance.mark) { performance.mark("chart-drawn"); }  // bench.books_4g
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function fetchChart() {
    if (window.echarts) { draw(); return; }
    var script = document.createElement("script");
    script.src = holder.getAttribute("data-echarts");
    script.onload = draw;
    document.head.appendChild(script);
  }

  fetchChart();  // this script is deferred: the page is parsed and its cards are showing
}());

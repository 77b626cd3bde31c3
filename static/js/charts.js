// Draws the dashboards' charts from data the page passes with json_script (never built
// as JavaScript strings). ECharts (static/vendor, its URL in this script's data-echarts)
// is fetched only when a chart comes near the viewport: a page whose first screen is a
// table never pays for parsing and drawing it (issue 15, Lighthouse's blocking time).
(function () {
  "use strict";
  var source = document.currentScript && document.currentScript.dataset.echarts;
  var locale = document.documentElement.lang.indexOf("zh") === 0 ? "ZH" : "EN";
  var loading = null;
  var waiting = [];

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // One script element for every chart of the page; a script file keeps script-src 'self'.
  function withEcharts(callback) {
    if (typeof window.echarts !== "undefined") { callback(window.echarts); return; }
    waiting.push(callback);
    if (loading || !source) return;
    loading = document.createElement("script");
    loading.src = source;
    loading.async = true;
    loading.addEventListener("load", function () {
      waiting.splice(0).forEach(function (next) { next(window.echarts); });
    });
    document.head.appendChild(loading);
  }

  // ~200 px ahead, so the chart is usually drawn by the time it scrolls in.
  function whenNear(node, callback) {
    if (!("IntersectionObserver" in window)) { callback(); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
      observer.disconnect();
      callback();
    }, { rootMargin: "200px 0px" });
    observer.observe(node);
  }

  // rows: the chart's height in bars (set at once, so nothing moves when it is drawn);
  // none keeps the stylesheet's height.
  function draw(id, rows, option) {
    var node = document.getElementById(id);
    if (!node) return;
    if (rows) node.style.height = Math.max(240, rows * 22 + 60) + "px";
    whenNear(node, function () {
      withEcharts(function (echarts) {
        var chart = echarts.init(node, null, { locale: locale, renderer: "svg" });
        // No animation: on a slow phone its frames cost more than the drawing itself.
        option.animation = false;
        chart.setOption(option);
        window.addEventListener("resize", function () { chart.resize(); });
        node.dataset.drawn = "true";
      });
    });
  }

  var ranking = data("ranking-data");
  if (ranking) {
    draw("ranking-chart", ranking.names.length, {
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      // At 375 px the bars leave the axis little room: a label that would overlap its
      // neighbour is left out (each bar carries its own figure).
      xAxis: { type: "value", axisLabel: { formatter: ranking.percent ? "{value}%" : "{value}", hideOverlap: true } },
      yAxis: { type: "category", inverse: true, data: ranking.names.map(function (name, i) {
        var rank = ranking.ranks ? ranking.ranks[i] : null;
        return rank == null ? name : rank + ". " + name;
      }) },
      series: [{
        type: "bar", data: ranking.values, name: ranking.label, itemStyle: { color: "#c8102e" },
        // One decimal, as the table writes it (the data is rounded by the server).
        label: { show: true, position: "right", formatter: function (item) {
          if (item.value == null) return "";
          return ranking.percent ? item.value.toFixed(1) + "%" : String(item.value);
        } }
      }],
      tooltip: { trigger: "axis" }
    });
  }

  var target = data("target-data");
  if (target) {
    draw("target-chart", 12, {
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: target.dates },
      yAxis: { type: "value" },
      series: [
        { type: "line", name: target.labels.achieved, data: target.achieved, showSymbol: false,
          areaStyle: { opacity: 0.15 }, itemStyle: { color: "#c8102e" } },
        { type: "line", name: target.labels.target, showSymbol: false,
          data: target.dates.map(function () { return target.target; }),
          lineStyle: { type: "dashed" }, itemStyle: { color: "#2f855a" } }
      ]
    });
  }

  var committee = data("committee-data");
  if (committee) {
    draw("committee-chart", 12, {
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: committee.dates },
      yAxis: [{ type: "value" }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { type: "bar", name: committee.labels.daily, data: committee.daily,
          itemStyle: { color: "#f4a3ae" } },
        { type: "line", name: committee.labels.first, data: committee.first, yAxisIndex: 1,
          showSymbol: false, itemStyle: { color: "#c8102e" } },
        { type: "line", name: committee.labels.full_course, data: committee.full_course,
          yAxisIndex: 1, showSymbol: false, itemStyle: { color: "#2f855a" } }
      ]
    });
  }

  // The second-dose drill-down: doses becoming due per day (14 days) and per week (8 weeks).
  var secondDoses = data("second-dose-data");
  if (secondDoses) {
    var bars = function (id, names, values, title) {
      draw(id, null, {
        title: { text: title, left: 0, textStyle: { fontSize: 14, fontWeight: "normal" } },
        grid: { left: 8, right: 8, top: 56, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: names, axisLabel: { rotate: names.length > 8 ? 45 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{
          type: "bar", name: title, data: values, itemStyle: { color: "#c8102e" },
          label: { show: names.length <= 8, position: "top" }
        }]
      });
    };
    bars("second-dose-days-chart", secondDoses.days, secondDoses.day_values, secondDoses.labels.days);
    bars("second-dose-weeks-chart", secondDoses.weeks, secondDoses.week_values,
      secondDoses.labels.weeks);
  }
})();

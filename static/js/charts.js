// Draws the dashboards' charts from data the page passes with json_script (never built
// as JavaScript strings). ECharts is vendored in static/vendor.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var locale = document.documentElement.lang.indexOf("zh") === 0 ? "ZH" : "EN";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(id, rows, option) {
    var node = document.getElementById(id);
    if (!node) return;
    node.style.height = Math.max(240, rows * 22 + 60) + "px";
    var chart = echarts.init(node, null, { locale: locale, renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    node.dataset.drawn = "true";
  }

  var ranking = data("ranking-data");
  if (ranking) {
    draw("ranking-chart", ranking.names.length, {
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: ranking.percent ? "{value}%" : "{value}" } },
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
})();

// The second-dose drill-down's bar charts: doses becoming due per day (14 days) and per
// week (8 weeks), from the data the page passes with json_script. ECharts is vendored.
(function () {
  "use strict";
  var node = document.getElementById("second-dose-data");
  if (typeof echarts === "undefined" || !node) return;
  var data = JSON.parse(node.textContent);
  var locale = document.documentElement.lang.indexOf("zh") === 0 ? "ZH" : "EN";

  function bars(id, names, values, title) {
    var target = document.getElementById(id);
    if (!target) return;
    var chart = echarts.init(target, null, { locale: locale, renderer: "svg" });
    chart.setOption({
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
    window.addEventListener("resize", function () { chart.resize(); });
    target.dataset.drawn = "true";
  }

  bars("second-dose-days-chart", data.days, data.day_values, data.labels.days);
  bars("second-dose-weeks-chart", data.weeks, data.week_values, data.labels.weeks);
})();

// Draws each <div data-chart="..." data-source="id"> with Apache ECharts (vendored, served by the dashboard)
// from the JSON of <script type="application/json" id="id">. Figures in the tables are exact; charts plot them.
(function () {
  "use strict";
  var palette = ["#0b4f6c", "#20a39e", "#ef8354", "#8e7dbe", "#f2c14e", "#5b8e7d"];
  var levelColor = [[0.8, "#20a39e"], [0.9, "#2f80c2"], [1, "#d98c00"], [1.5, "#c0392b"]];
  var num = function (v) { return v === null || v === undefined ? null : Number(v); };
  var builders = {
    "budget-bars": function (d) {
      return { color: palette, title: { text: "各基金池预算与已消耗（元）", left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" }, legend: { top: 26, data: ["年度预算", "已消耗"] },
        grid: { left: 90, right: 20, top: 60, bottom: 60 },
        xAxis: { type: "category", data: d.pools, axisLabel: { interval: 0, rotate: 20, fontSize: 10 } },
        yAxis: { type: "value" },
        series: [{ name: "年度预算", type: "bar", data: d.budget.map(num) }, { name: "已消耗", type: "bar", data: d.consumed.map(num) }] };
    },
    "execution-gauges": function (d) {
      var n = d.pools.length, series = d.pools.map(function (pool, i) {
        return { type: "gauge", min: 0, max: 150, radius: (n > 2 ? 34 : 44) + "%",
          center: [((i % 3) * 2 + 1) * (100 / (2 * Math.min(n, 3))) + "%", (Math.floor(i / 3) * 50 + 45) + "%"],
          axisLine: { lineStyle: { width: 8, color: levelColor.map(function (c) { return [c[0] / 1.5, c[1]]; }) } },
          splitNumber: 3, axisLabel: { fontSize: 9 }, pointer: { width: 4 },
          title: { offsetCenter: [0, "75%"], fontSize: 10 }, detail: { formatter: "{value}%", fontSize: 12, offsetCenter: [0, "40%"] },
          data: [{ value: d.execution[i] === null ? 0 : Math.round(Number(d.execution[i]) * 10000) / 100, name: pool.split("-").slice(2).join("-") || pool }] };
      });
      return { title: { text: "执行率（80% 提示、90% 预警、100% 严重）", left: "center", textStyle: { fontSize: 14 } }, series: series };
    },
    "stage-bars": function (d) {
      var keys = Object.keys(d.labels);
      return { color: palette, title: { text: "各环节病例数", left: "center", textStyle: { fontSize: 14 } }, tooltip: {},
        grid: { left: 60, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: keys.map(function (k) { return d.labels[k]; }) }, yAxis: { type: "value" },
        series: [{ type: "bar", data: keys.map(function (k) { return d.counts[k] || 0; }), label: { show: true, position: "top" } }] };
    },
    "flag-bars": function (d) {
      var rules = [], statuses = [];
      d.summary.forEach(function (r) {
        if (rules.indexOf(r.rule_id) < 0) rules.push(r.rule_id);
        if (statuses.indexOf(r.status) < 0) statuses.push(r.status);
      });
      return { color: palette, title: { text: "各规则疑点数（按状态）", left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" }, legend: { top: 26 }, grid: { left: 50, right: 20, top: 60, bottom: 90 },
        xAxis: { type: "category", data: rules, axisLabel: { interval: 0, rotate: 30, fontSize: 10 } }, yAxis: { type: "value" },
        series: statuses.map(function (s) {
          return { name: d.labels[s] || s, type: "bar", stack: "flags", data: rules.map(function (rule) {
            var row = d.summary.filter(function (r) { return r.rule_id === rule && r.status === s; })[0];
            return row ? row.flags : 0; }) };
        }) };
    },
    "coverage-bars": function (d) {
      var keys = d.order, lineColor = { hospitals: "#0b4f6c", groups: "#20a39e", fund: "#ef8354" },
        short = { hospitals: "机构", groups: "病种", fund: "基金" };
      return { color: palette, title: { text: "DRG/DIP 付费覆盖率（虚线为目标）", left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        legend: { top: 26 }, grid: { left: 60, right: 90, top: 70, bottom: 60 },
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: 20, fontSize: 10 } },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: keys.map(function (k) {
          var s = { name: d.measures[k], type: "bar", data: d.values[k], itemStyle: { color: lineColor[k] } };
          if (d.targets[k] !== undefined) {
            s.markLine = { symbol: "none", lineStyle: { type: "dashed", color: lineColor[k] },
              label: { formatter: short[k] + "目标 " + d.targets[k] + "%", position: "end", fontSize: 10 },
              data: [{ yAxis: d.targets[k] }] };
          }
          return s;
        }) };
    },
    "indicator-lines": function (d) {
      var names = { cmi: "CMI", time_index: "时间消耗指数", cost_index: "费用消耗指数" };
      var periods = [], series = [];
      Object.keys(d.series).forEach(function (m) {
        d.series[m].forEach(function (p) { if (periods.indexOf(p.period) < 0) periods.push(p.period); });
      });
      periods.sort();
      Object.keys(d.series).forEach(function (m) {
        Object.keys(d.origins).forEach(function (origin) {
          var byPeriod = {};
          d.series[m].forEach(function (p) { if (p.origin === origin) byPeriod[p.period] = num(p.value); });
          series.push({ name: names[m] + "（" + d.origins[origin] + "）", type: "line", connectNulls: true,
            lineStyle: { type: origin === "local" ? "solid" : "dashed" },
            data: periods.map(function (p) { return byPeriod[p] === undefined ? null : byPeriod[p]; }) });
        });
      });
      return { color: palette, title: { text: "CMI 与消耗指数走势（实线本地，虚线异地）", left: "center", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" }, legend: { top: 26 }, grid: { left: 60, right: 30, top: 80, bottom: 40 },
        xAxis: { type: "category", data: periods }, yAxis: { type: "value", scale: true }, series: series };
    }
  };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-source"));
      var build = builders[el.getAttribute("data-chart")];
      if (!source || !build || !window.echarts) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(JSON.parse(source.textContent)));
      el.setAttribute("data-drawn", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();

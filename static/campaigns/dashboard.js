// Draws the dashboard's charts from the JSON the page embeds (json_script): no build step, no inline data in JS.
(function () {
  const element = document.getElementById("chart-data");
  if (!element || typeof uPlot === "undefined") return;
  const data = JSON.parse(element.textContent);
  if (!data.days.length) return;
  const width = () => Math.min(560, document.body.clientWidth - 40);
  const money = (u, values) => values.map((v) => (v == null ? "" : v.toFixed(0)));
  new uPlot({
    width: width(), height: 240,
    scales: { x: { time: true }, spend: {}, conversions: {} },
    series: [
      {},
      { label: "€", scale: "spend", stroke: "#5b8def", width: 2, fill: "rgba(91,141,239,0.1)" },
      { label: "conv.", scale: "conversions", stroke: "#2e9e5b", width: 2 },
    ],
    axes: [{}, { scale: "spend", values: money }, { scale: "conversions", side: 1, grid: { show: false } }],
  }, [data.days, data.spend, data.conversions], document.getElementById("chart-spend"));
  new uPlot({
    width: width(), height: 240,
    scales: { x: { time: true } },
    series: [{}, { label: "CPA €", stroke: "#d9822b", width: 2, spanGaps: true }],
    axes: [{}, { values: money }],
  }, [data.days, data.cpa], document.getElementById("chart-cpa"));
})();

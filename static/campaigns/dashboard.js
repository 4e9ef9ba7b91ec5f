// Draws the dashboard's charts from the JSON the page embeds (json_script): no build step, no inline data in JS.
// Numbers, money and days are formatted in the page's language with the organization's currency (Intl); the
// legend shows the hovered day's values (the newest day's when the cursor is elsewhere) and a tooltip follows
// the cursor. The time axis spans the chosen period in whole days, in UTC like the data.
"use strict";

(function () {
  const element = document.getElementById("chart-data");
  if (!element || typeof uPlot === "undefined") return;
  const data = JSON.parse(element.textContent);
  if (!data.days.length) return;
  const DAY = 86400;
  const locale = data.locale || document.documentElement.lang || "en";
  const moneyFormat = new Intl.NumberFormat(locale, { style: "currency", currency: data.currency });
  const axisMoney = new Intl.NumberFormat(locale, { style: "currency", currency: data.currency, notation: "compact" });
  const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const dayFormat = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
  const tickFormat = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short" });
  const monthFormat = new Intl.DateTimeFormat(locale, { timeZone: "UTC", month: "short", year: "numeric" });
  const last = data.days.length - 1;
  const money = (v) => (v == null ? "—" : moneyFormat.format(v));
  const number = (v) => (v == null ? "—" : numberFormat.format(v));
  const day = (ts) => (ts == null ? "—" : dayFormat.format(new Date(ts * 1000)));
  // the hovered day, or the newest one when the cursor is off the chart (instead of uPlot's "--")
  const shown = (fmt) => (u, value, seriesIdx, idx) => fmt(u.data[seriesIdx][idx == null ? last : idx]);

  function tooltip(formats) {
    let tip;
    return {
      hooks: {
        init: (u) => {
          tip = document.createElement("div");
          tip.className = "chart-tip";
          tip.hidden = true;
          u.over.appendChild(tip);
        },
        setCursor: (u) => {
          const idx = u.cursor.idx;
          if (idx == null || u.cursor.left < 0) { tip.hidden = true; return; }
          const lines = [day(u.data[0][idx])];
          u.series.forEach((series, i) => { if (i > 0) lines.push(`${series.label}: ${formats[i](u.data[i][idx])}`); });
          tip.textContent = lines.join("\n");  // text, never HTML
          tip.hidden = false;
          tip.style.left = `${u.valToPos(u.data[0][idx], "x")}px`;
          tip.style.top = `${u.cursor.top}px`;
        },
      },
    };
  }

  const width = () => Math.min(560, document.body.clientWidth - 40);
  const xScale = { time: true, range: () => [data.start, data.end] };
  const xAxis = {
    // whole days, weeks, then months (uPlot counts a month as 30 days, a year as 365) and never hours
    incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 60 * DAY, 90 * DAY, 180 * DAY, 365 * DAY],
    values: (u, splits, axisIdx, space, incr) => splits.map((ts) => (incr >= 30 * DAY ? monthFormat : tickFormat)
      .format(new Date(ts * 1000))),
  };
  const common = {
    width: width(), height: 240,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "UTC"),
    legend: { live: true },
  };
  // amounts and counts from zero, with room above the largest (a single day's point included)
  const fromZero = (u, min, max) => [0, max > 0 ? max * 1.1 : 1];
  const points = { show: data.days.length < 40, size: 6 };
  const dayLabel = { label: data.labels.day, value: shown(day) };

  new uPlot({
    ...common,
    scales: { x: xScale, spend: { range: fromZero }, conversions: { range: fromZero } },
    series: [
      dayLabel,
      { label: `${data.labels.spend} (${data.currency})`, scale: "spend", value: shown(money), points,
        stroke: "#5b8def", width: 2, fill: "rgba(91,141,239,0.1)" },
      { label: data.labels.conversions, scale: "conversions", value: shown(number), points,
        stroke: "#2e9e5b", width: 2 },
    ],
    axes: [xAxis, { scale: "spend", size: 70, values: (u, vs) => vs.map((v) => axisMoney.format(v)) },
      { scale: "conversions", side: 1, grid: { show: false }, values: (u, vs) => vs.map(number) }],
    plugins: [tooltip([null, money, number])],
  }, [data.days, data.spend, data.conversions], document.getElementById("chart-spend"));

  new uPlot({
    ...common,
    scales: { x: xScale, y: { range: fromZero } },
    series: [
      dayLabel,
      { label: `${data.labels.cpa} (${data.currency})`, value: shown(money), points, stroke: "#d9822b", width: 2,
        spanGaps: true },
    ],
    axes: [xAxis, { size: 70, values: (u, vs) => vs.map((v) => axisMoney.format(v)) }],
    plugins: [tooltip([null, money])],
  }, [data.days, data.cpa], document.getElementById("chart-cpa"));
})();

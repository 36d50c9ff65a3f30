// The six charts, drawn with ECharts (only the parts used are bundled into charts.js, a script
// of its own: the page starts asking for its data while the browser still reads this one). Amounts are parsed
// as floats for the marks' positions only; every tooltip shows the API's exact strings,
// escaped, since ECharts puts a formatter's string into the page as HTML.

import { init, use } from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  CalendarComponent, GridComponent, LegendPlainComponent, TooltipComponent,
  VisualMapContinuousComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import {
  escapeHtml, formatDollars, formatInteger, formatPercent, formatQuantity, formatSignedDollars,
  signOf,
} from './format.js';
import { CHART_IDS } from './chart_ids.js';

use([
  BarChart, HeatmapChart, LineChart, ScatterChart, CalendarComponent, GridComponent,
  LegendPlainComponent, TooltipComponent, VisualMapContinuousComponent, CanvasRenderer,
]);


const CALENDAR_HEIGHT = 124; // one year's calendar (7 rows of 14 px), month labels included

// A y position: the float of an exact amount ('-' is ECharts' gap).
function y(text) {
  if (text === null || text === undefined) return '-';
  const v = parseFloat(text);
  return Number.isFinite(v) ? v : '-';
}

// Axis labels only (approximate by nature): 1250 -> "$1.3k".
function axisDollars(v) {
  const abs = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (abs >= 1e6) return `${sign}$${(abs / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e3) return `${sign}$${(abs / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
  return `${sign}$${Number(abs.toFixed(2))}`;
}

// Tooltip HTML from [label, value] lines: every piece of text escaped.
function tip(title, lines) {
  const body = lines
    .filter(Boolean)
    .map(([label, value]) => `${escapeHtml(label)}: <b>${escapeHtml(value)}</b>`);
  return [`<b>${escapeHtml(title)}</b>`, ...body].join('<br>');
}

function colorsFromCss() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    text: v('--text'), muted: v('--muted'), grid: v('--border'), surface: v('--surface'),
    surface2: v('--surface-2'), pos: v('--pos'), neg: v('--neg'), accent: v('--accent'),
    accent2: v('--accent-2'), neutral: v('--heat-mid'), warn: v('--warn'),
  };
}

function base(c) {
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { color: c.text, fontFamily: 'inherit' },
    tooltip: {
      confine: true,
      backgroundColor: c.surface,
      borderColor: c.grid,
      textStyle: { color: c.text, fontSize: 12 },
      extraCssText: 'box-shadow: 0 2px 8px rgba(0,0,0,.25);',
    },
  };
}

function axis(c, extra = {}) {
  return {
    axisLine: { lineStyle: { color: c.grid } },
    axisTick: { lineStyle: { color: c.grid } },
    axisLabel: { color: c.muted, hideOverlap: true },
    splitLine: { lineStyle: { color: c.surface2 } },
    nameTextStyle: { color: c.muted },
    ...extra,
  };
}

const grid = { left: 8, right: 12, top: 36, bottom: 8, containLabel: true };

function equityOption(data, c) {
  const rows = data.equity?.rows ?? [];
  const days = rows.map((r) => r.day);
  const transfers = rows.map((r) => {
    const sign = signOf(r.transfers_dollars);
    if (!sign) return '-';
    return {
      value: y(r.equity_dollars),
      symbol: 'triangle',
      symbolRotate: sign > 0 ? 0 : 180,
      itemStyle: { color: sign > 0 ? c.accent2 : c.warn },
    };
  });
  return {
    ...base(c),
    legend: { top: 0, left: 0, textStyle: { color: c.text }, data: ['Equity', 'Cumulative P&L', 'Transfers'] },
    grid,
    tooltip: {
      ...base(c).tooltip,
      trigger: 'axis',
      formatter(params) {
        const r = rows[params[0]?.dataIndex];
        if (!r) return '';
        return tip(r.day, [
          ['Equity', formatDollars(r.equity_dollars)],
          ['Cumulative P&L', formatSignedDollars(r.range_pnl_dollars)],
          ['Net deposits', formatDollars(r.net_deposits_dollars)],
          signOf(r.transfers_dollars) !== 0 && [
            signOf(r.transfers_dollars) > 0 ? 'Deposit' : 'Withdrawal',
            formatDollars(r.transfers_dollars),
          ],
        ]);
      },
    },
    xAxis: axis(c, { type: 'category', data: days, boundaryGap: false }),
    yAxis: [
      axis(c, { type: 'value', scale: true, axisLabel: { color: c.muted, formatter: axisDollars } }),
      axis(c, {
        type: 'value', scale: true, splitLine: { show: false },
        axisLabel: { color: c.muted, formatter: axisDollars },
      }),
    ],
    series: [
      {
        name: 'Equity', type: 'line', data: rows.map((r) => y(r.equity_dollars)),
        showSymbol: false, lineStyle: { width: 2 }, itemStyle: { color: c.accent },
      },
      {
        name: 'Cumulative P&L', type: 'line', yAxisIndex: 1,
        data: rows.map((r) => y(r.range_pnl_dollars)), showSymbol: false,
        lineStyle: { width: 1.5 }, itemStyle: { color: c.pos },
      },
      {
        name: 'Transfers', type: 'scatter', data: transfers, symbolSize: 12,
        itemStyle: { color: c.accent2 }, z: 5,
      },
    ],
  };
}

function dailyOption(data, c) {
  const rows = data.daily?.rows ?? [];
  return {
    ...base(c),
    grid: { ...grid, top: 16 },
    tooltip: {
      ...base(c).tooltip,
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter(params) {
        const r = rows[params[0]?.dataIndex];
        if (!r) return '';
        return tip(r.group, [
          ['Realized P&L', formatSignedDollars(r.realized_pnl_dollars)],
          ['Fees', formatDollars(r.fees_dollars)],
          ['Fills', formatInteger(r.fills)],
          ['Markets closed', formatInteger(r.markets_closed)],
        ]);
      },
    },
    xAxis: axis(c, { type: 'category', data: rows.map((r) => r.group) }),
    yAxis: axis(c, { type: 'value', axisLabel: { color: c.muted, formatter: axisDollars } }),
    series: [{
      name: 'Realized P&L',
      type: 'bar',
      barMaxWidth: 18,
      data: rows.map((r) => ({
        value: y(r.realized_pnl_dollars),
        itemStyle: { color: signOf(r.realized_pnl_dollars) < 0 ? c.neg : c.pos },
      })),
    }],
  };
}

function yearsOf(data, rows) {
  const first = rows[0]?.group || data.daily?.from || data.today || new Date().toISOString();
  const last = rows[rows.length - 1]?.group || data.daily?.to || first;
  const years = [];
  for (let yr = Number(first.slice(0, 4)); yr <= Number(last.slice(0, 4)); yr += 1) years.push(yr);
  return years.length ? years : [new Date().getFullYear()];
}

function calendarOption(data, c) {
  const rows = data.daily?.rows ?? [];
  const byDay = new Map(rows.map((r) => [r.group, r]));
  const years = yearsOf(data, rows);
  const max = rows.reduce((m, r) => Math.max(m, Math.abs(y(r.realized_pnl_dollars)) || 0), 0) || 1;
  return {
    ...base(c),
    tooltip: {
      ...base(c).tooltip,
      trigger: 'item',
      formatter(p) {
        const r = byDay.get(p.data?.[0]);
        if (!r) return '';
        return tip(r.group, [
          ['Realized P&L', formatSignedDollars(r.realized_pnl_dollars)],
          ['Fills', formatInteger(r.fills)],
        ]);
      },
    },
    visualMap: {
      type: 'continuous', min: -max, max, calculable: false, orient: 'horizontal',
      left: 'center', bottom: 0, itemHeight: 120, itemWidth: 10,
      text: ['gain', 'loss'], textStyle: { color: c.muted },
      inRange: { color: [c.neg, c.neutral, c.pos] },
    },
    calendar: years.map((yr, i) => ({
      top: 24 + i * CALENDAR_HEIGHT, left: 64, right: 8, cellSize: ['auto', 14],
      range: String(yr),
      itemStyle: { color: c.surface2, borderColor: c.surface, borderWidth: 2 },
      splitLine: { lineStyle: { color: c.grid, width: 1 } },
      yearLabel: { show: true, color: c.muted, position: 'left', fontSize: 12, margin: 26 },
      monthLabel: { color: c.muted, fontSize: 10 },
      dayLabel: { color: c.muted, fontSize: 9, firstDay: 1, nameMap: ['S', 'M', 'T', 'W', 'T', 'F', 'S'] },
    })),
    series: years.map((yr, i) => ({
      type: 'heatmap',
      coordinateSystem: 'calendar',
      calendarIndex: i,
      data: rows
        .filter((r) => r.group.startsWith(String(yr)))
        .map((r) => [r.group, y(r.realized_pnl_dollars)]),
    })),
  };
}

export function calendarHeight(data) {
  return 64 + yearsOf(data, data.daily?.rows ?? []).length * CALENDAR_HEIGHT;
}

function drawdownOption(data, c) {
  const rows = data.equity?.rows ?? [];
  return {
    ...base(c),
    grid: { ...grid, top: 16 },
    tooltip: {
      ...base(c).tooltip,
      trigger: 'axis',
      formatter(params) {
        const r = rows[params[0]?.dataIndex];
        if (!r) return '';
        return tip(r.day, [
          ['Drawdown', formatPercent(r.drawdown)],
          ['Given back', formatDollars(r.drawdown_dollars)],
        ]);
      },
    },
    xAxis: axis(c, { type: 'category', data: rows.map((r) => r.day), boundaryGap: false }),
    yAxis: axis(c, { type: 'value', max: 0, axisLabel: { color: c.muted, formatter: (v) => `${Number(v.toFixed(2))}%` } }),
    series: [{
      name: 'Drawdown', type: 'line', showSymbol: false,
      data: rows.map((r) => (r.drawdown === null || r.drawdown === undefined ? '-' : -r.drawdown * 100)),
      itemStyle: { color: c.neg }, lineStyle: { width: 1.5 }, areaStyle: { color: c.neg, opacity: 0.25 },
    }],
  };
}

function categoriesOption(data, c) {
  const rows = data.categories?.rows ?? [];
  return {
    ...base(c),
    grid: { ...grid, top: 16 },
    tooltip: {
      ...base(c).tooltip,
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter(params) {
        const r = rows[params[0]?.dataIndex];
        if (!r) return '';
        return tip(r.group, [
          ['Realized P&L', formatSignedDollars(r.realized_pnl_dollars)],
          ['Fees', formatDollars(r.fees_dollars)],
          ['Fills', formatInteger(r.fills)],
          ['Closes won / lost', `${formatInteger(r.winning_closes)} / ${formatInteger(r.losing_closes)}`],
        ]);
      },
    },
    xAxis: axis(c, { type: 'value', axisLabel: { color: c.muted, formatter: axisDollars } }),
    yAxis: axis(c, { type: 'category', data: rows.map((r) => r.group), inverse: true }),
    series: [{
      name: 'Realized P&L', type: 'bar', barMaxWidth: 22,
      data: rows.map((r) => ({
        value: y(r.realized_pnl_dollars),
        itemStyle: { color: signOf(r.realized_pnl_dollars) < 0 ? c.neg : c.pos },
      })),
    }],
  };
}

function edgeOption(data, c) {
  const rows = (data.edge?.edge ?? []).filter(
    (r) => Number.isFinite(r.implied_probability) && Number.isFinite(r.win_rate),
  );
  const pct = (v) => `${Math.round(v * 100)}%`;
  return {
    ...base(c),
    legend: { top: 0, left: 0, textStyle: { color: c.text }, data: ['Win rate', 'Calibrated (y = x)'] },
    grid: { ...grid, bottom: 30 },
    tooltip: {
      ...base(c).tooltip,
      trigger: 'item',
      formatter(p) {
        if (p.seriesIndex !== 0) return '';
        const r = rows[p.dataIndex];
        if (!r) return '';
        return tip(`Entry ${r.entry_price}${r.group ? ` · ${r.group}` : ''}`, [
          ['Implied probability', formatPercent(r.implied_probability)],
          ['Win rate', formatPercent(r.win_rate)],
          ['Positions (settled)', `${formatInteger(r.positions)} (${formatInteger(r.settled_positions)})`],
          ['Contracts', formatQuantity(r.contracts)],
          ['Realized P&L', formatSignedDollars(r.realized_pnl_dollars)],
          ['Brier score', r.brier === null || r.brier === undefined ? '—' : String(Number(r.brier.toFixed(4)))],
        ]);
      },
    },
    xAxis: axis(c, {
      type: 'value', min: 0, max: 1, name: 'implied probability', nameLocation: 'middle',
      nameGap: 26, axisLabel: { color: c.muted, formatter: pct },
    }),
    yAxis: axis(c, { type: 'value', min: 0, max: 1, axisLabel: { color: c.muted, formatter: pct } }),
    series: [
      {
        name: 'Win rate', type: 'line', itemStyle: { color: c.accent }, lineStyle: { width: 1.5 },
        symbol: 'circle',
        data: rows.map((r) => ({
          value: [r.implied_probability, r.win_rate],
          symbolSize: Math.min(22, 6 + Math.sqrt(r.settled_positions || r.positions || 1) * 2),
        })),
      },
      {
        name: 'Calibrated (y = x)', type: 'line', silent: true, showSymbol: false,
        data: [[0, 0], [1, 1]], itemStyle: { color: c.muted },
        lineStyle: { type: 'dashed', width: 1 }, tooltip: { show: false },
      },
    ],
  };
}

const BUILDERS = {
  equity: [equityOption, (d) => d.equity?.rows?.length ?? 0],
  daily: [dailyOption, (d) => d.daily?.rows?.length ?? 0],
  calendar: [calendarOption, (d) => d.daily?.rows?.length ?? 0],
  drawdown: [drawdownOption, (d) => d.equity?.rows?.length ?? 0],
  categories: [categoriesOption, (d) => d.categories?.rows?.length ?? 0],
  edge: [edgeOption, (d) => d.edge?.edge?.length ?? 0],
};

// Resolves once the chart has drawn (its "finished" event), at most after a second.
function whenFinished(chart) {
  return new Promise((resolve) => {
    let timer = 0;
    const done = () => {
      chart.off('finished', done);
      clearTimeout(timer);
      resolve();
    };
    timer = setTimeout(done, 1000);
    chart.on('finished', done);
  });
}

export class Charts {
  // containers: {equity: element, ...}; each has a sibling ".chart-empty" paragraph.
  constructor(containers) {
    this.containers = containers;
    this.charts = {};
    this.observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const chart = this.charts[entry.target.dataset.chart];
        if (chart && entry.contentRect.width > 0) chart.resize();
      }
    });
  }

  chart(id) {
    if (!this.charts[id]) {
      const el = this.containers[id];
      el.dataset.chart = id;
      this.charts[id] = init(el, null, { renderer: 'canvas' });
      this.observer.observe(el);
    }
    return this.charts[id];
  }

  // Draw every chart from `data` ({equity, daily, categories, edge, today}); resolves when
  // all have finished rendering.
  render(data) {
    const colors = colorsFromCss();
    this.containers.calendar.style.height = `${calendarHeight(data)}px`;
    const finished = CHART_IDS.map((id) => {
      const [build, count] = BUILDERS[id];
      const el = this.containers[id];
      const n = count(data);
      el.dataset.count = String(n);
      const empty = el.parentElement.querySelector('.chart-empty');
      if (empty) empty.hidden = n > 0;
      const chart = this.chart(id);
      chart.resize();
      const done = whenFinished(chart);
      chart.setOption(build(data, colors), { notMerge: true });
      return done;
    });
    return Promise.all(finished);
  }
}

// Plain HTML tables: sortable in the page (categories, series, positions, reconciliation) or
// paged and sorted by the server (orders, fills). Money cells show the exact amount formatted
// and keep the API's string in data-value.

import { el, setText } from './dom.js';
import {
  compareDecimal, formatAge, formatDollars, formatInteger, formatPercent, formatQuantity,
  formatTime, signOf,
} from './format.js';

// Column: {key, label, type, get?(row), sortKey? (server), signed? (colour by sign)}.
// Types: text, money, qty, int, pct, time, age.
function valueOf(col, row) {
  return col.get ? col.get(row) : row[col.key];
}

function display(col, value, ctx) {
  switch (col.type) {
    case 'money': return formatDollars(value);
    case 'qty': return formatQuantity(value);
    case 'int': return formatInteger(value);
    case 'pct': return formatPercent(value);
    case 'time': return formatTime(value, ctx.timezone);
    case 'age': return formatAge(value);
    default: return value === null || value === undefined || value === '' ? '—' : String(value);
  }
}

function cell(tag, col, row, ctx) {
  const value = valueOf(col, row);
  const numeric = ['money', 'qty', 'int', 'pct', 'age'].includes(col.type);
  let className = numeric ? 'num' : '';
  if (col.signed && col.type === 'money') {
    const s = signOf(value);
    if (s) className += s < 0 ? ' neg' : ' pos';
  }
  const props = { className: className.trim() || undefined };
  if (value !== null && value !== undefined && typeof value !== 'object') {
    props.dataset = { value: String(value) };
  }
  if (col.type === 'time' && value) props.title = String(value);
  return el(tag, props, display(col, value, ctx));
}

function compare(col, a, b) {
  const x = valueOf(col, a);
  const y = valueOf(col, b);
  const xn = x === null || x === undefined;
  const yn = y === null || y === undefined;
  if (xn || yn) return (xn ? 0 : 1) - (yn ? 0 : 1);
  if (col.type === 'money' || col.type === 'qty') return compareDecimal(x, y);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x).localeCompare(String(y));
}

function header(table, columns, sortState, onSort, isSortable) {
  const row = el('tr');
  for (const col of columns) {
    const numeric = ['money', 'qty', 'int', 'pct', 'age'].includes(col.type);
    const th = el('th', { scope: 'col', className: numeric ? 'num' : undefined, dataset: { key: col.key } });
    if (isSortable(col)) {
      const active = sortState.key === col.key;
      th.setAttribute('aria-sort', active ? (sortState.order === 'asc' ? 'ascending' : 'descending') : 'none');
      const arrow = active ? (sortState.order === 'asc' ? ' ▲' : ' ▼') : '';
      th.append(el('button', { type: 'button', className: 'sort' }, col.label, arrow));
      th.firstChild.addEventListener('click', () => onSort(col));
    } else {
      th.append(col.label);
    }
    row.append(th);
  }
  table.tHead.replaceChildren(row);
}

function ensureParts(table) {
  if (!table.tHead) table.createTHead();
  if (!table.tBodies.length) table.createTBody();
}

function emptyRow(columns, text) {
  return el('tr', { className: 'empty' }, el('td', { colSpan: columns.length }, text));
}

// A table sorted in the page by clicking its headers. With `limit` and a `more` button, only the
// first `limit` rows of the sorted order are drawn until the button asks for all of them (a long
// list costs the page's first drawing more than anything else in it).
export class SortableTable {
  constructor(table, columns, {
    sort = null, empty = 'Nothing in this range', footerLabel = null, limit = 0, more = null,
  } = {}) {
    this.table = table;
    this.columns = columns;
    this.limit = limit;
    this.more = more;
    this.showAll = false;
    if (more) {
      more.addEventListener('click', () => {
        this.showAll = true;
        this.draw();
      });
    }
    this.sort = sort || { key: null, order: 'asc' };
    this.emptyText = empty;
    this.footerLabel = footerLabel;
    this.rows = [];
    this.footer = null;
    this.ctx = {};
    ensureParts(table);
  }

  setRows(rows, footer = null, ctx = {}) {
    this.rows = rows || [];
    this.footer = footer;
    this.ctx = ctx;
    this.draw();
  }

  onSort(col) {
    if (this.sort.key === col.key) this.sort.order = this.sort.order === 'asc' ? 'desc' : 'asc';
    else this.sort = { key: col.key, order: col.type === 'text' || col.type === 'time' ? 'asc' : 'desc' };
    this.draw();
  }

  draw() {
    header(this.table, this.columns, this.sort, (col) => this.onSort(col), () => true);
    let rows = this.rows;
    const col = this.columns.find((c) => c.key === this.sort.key);
    if (col) {
      const dir = this.sort.order === 'asc' ? 1 : -1;
      rows = [...rows].sort((a, b) => dir * compare(col, a, b));
    }
    const shown = this.limit && !this.showAll ? rows.slice(0, this.limit) : rows;
    if (this.more) {
      this.more.hidden = shown.length === rows.length;
      this.more.textContent = `Show all ${rows.length.toLocaleString('en-US')}`;
    }
    const body = rows.length
      ? shown.map((row) => el('tr', {}, this.columns.map((c) => cell('td', c, row, this.ctx))))
      : [emptyRow(this.columns, this.emptyText)];
    this.table.tBodies[0].replaceChildren(...body);
    if (this.footer) {
      const foot = this.table.tFoot || this.table.createTFoot();
      foot.replaceChildren(el('tr', {}, this.columns.map((c) => cell('td', c, this.footer, this.ctx))));
    } else if (this.table.tFoot) {
      this.table.deleteTFoot();
    }
  }
}

// A table the server pages and sorts (orders, fills): prev/next, "rows X–Y of N", a CSV link
// to the same page. `state` is {offset, limit, sort, order, status}; `onChange(state)` asks
// for a new page.
export class PagedTable {
  constructor({ table, columns, prev, next, range, csv, defaultSort, onChange }) {
    Object.assign(this, { table, columns, prev, next, range, csv, onChange });
    this.defaultSort = defaultSort;
    this.state = { offset: 0, limit: 50, sort: defaultSort, order: 'desc', status: '' };
    this.total = 0;
    ensureParts(table);
    header(table, columns, this.sortState(), (col) => this.onSort(col), (col) => !!col.sortKey);
    prev.addEventListener('click', () => this.page(-1));
    next.addEventListener('click', () => this.page(1));
  }

  sortState() {
    const col = this.columns.find((c) => c.sortKey === this.state.sort);
    return { key: col ? col.key : null, order: this.state.order };
  }

  reset() {
    this.state.offset = 0;
  }

  page(direction) {
    const offset = Math.max(0, this.state.offset + direction * this.state.limit);
    if (offset === this.state.offset || (direction > 0 && offset >= this.total)) return;
    this.state.offset = offset;
    this.onChange(this.state);
  }

  onSort(col) {
    if (this.state.sort === col.sortKey) {
      this.state.order = this.state.order === 'asc' ? 'desc' : 'asc';
    } else {
      this.state.sort = col.sortKey;
      this.state.order = col.type === 'text' ? 'asc' : 'desc';
    }
    this.state.offset = 0;
    this.onChange(this.state);
  }

  // The query parameters of the current page (without the filters).
  params() {
    const { offset, limit, sort, order, status } = this.state;
    return { limit, offset, sort, order, status };
  }

  render(data, csvHref, ctx = {}) {
    const rows = data?.rows ?? [];
    this.total = Number(data?.total ?? 0);
    header(this.table, this.columns, this.sortState(), (col) => this.onSort(col), (col) => !!col.sortKey);
    const body = rows.length
      ? rows.map((row) => el('tr', {}, this.columns.map((c) => cell('td', c, row, ctx))))
      : [emptyRow(this.columns, 'Nothing matches these filters')];
    this.table.tBodies[0].replaceChildren(...body);
    const offset = Number(data?.offset ?? this.state.offset);
    const first = rows.length ? offset + 1 : 0;
    const last = offset + rows.length;
    setText(this.range, `rows ${formatInteger(first)}–${formatInteger(last)} of ${formatInteger(this.total)}`);
    this.range.dataset.offset = String(offset);
    this.range.dataset.total = String(this.total);
    this.range.dataset.rows = String(rows.length);
    this.prev.disabled = offset <= 0;
    this.next.disabled = last >= this.total;
    this.csv.href = csvHref;
  }
}

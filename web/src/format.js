// Formatting of the API's values. Money arrives as exact decimal strings ("1043.17",
// "-0.0125") and is formatted by string manipulation only: what the page shows is what the
// database holds, never a float's rounding of it.

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

// "−12.50" -> {negative, int: "12", frac: "50"}; null when the text is not a plain decimal.
export function parseDecimal(text) {
  if (text === null || text === undefined) return null;
  const m = DECIMAL.exec(String(text).trim());
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null;
  const int = m[2].replace(/^0+(?=\d)/, '') || '0';
  const frac = m[3] || '';
  const zero = /^0*$/.test(int + frac);
  return { negative: m[1] === '-' && !zero, int, frac };
}

function groupThousands(int) {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// The decimals of a money amount: trailing zeros past the second dropped ("2900.000000" ->
// "00", "0.4200" -> "42"), at least two ("-3.2" -> "20"), every significant digit kept.
function moneyFraction(frac) {
  const trimmed = frac.replace(/0+$/, '');
  return trimmed.length < 2 ? trimmed.padEnd(2, '0') : trimmed;
}

// "1043.17" -> "$1,043.17", "-3.2" -> "-$3.20", "0.0125" -> "$0.0125", null -> "—".
export function formatDollars(text) {
  if (text === null || text === undefined || text === '') return '—';
  const d = parseDecimal(text);
  if (!d) return String(text);
  return `${d.negative ? '-' : ''}$${groupThousands(d.int)}.${moneyFraction(d.frac)}`;
}

// Like formatDollars with an explicit "+" on gains, for P&L figures.
export function formatSignedDollars(text) {
  const d = parseDecimal(text);
  if (d && !d.negative && signOf(text) > 0) return `+${formatDollars(text)}`;
  return formatDollars(text);
}

// A quantity or count held as a decimal string: "4318.94" -> "4,318.94", "25.00" -> "25".
export function formatQuantity(text) {
  if (text === null || text === undefined || text === '') return '—';
  const d = parseDecimal(text);
  if (!d) return String(text);
  const frac = d.frac.replace(/0+$/, '');
  return `${d.negative ? '-' : ''}${groupThousands(d.int)}${frac ? `.${frac}` : ''}`;
}

export function formatInteger(n) {
  if (n === null || n === undefined) return '—';
  return groupThousands(String(n));
}

// -1, 0 or 1 for a decimal string (0 for null or unparsable text).
export function signOf(text) {
  const d = parseDecimal(text);
  if (!d || /^0*$/.test(d.int + d.frac)) return 0;
  return d.negative ? -1 : 1;
}

// A decimal string as a BigInt scaled by 10^scale (digits past the scale are cut).
export function toScaled(text, scale) {
  const d = parseDecimal(text);
  if (!d) return 0n;
  const frac = d.frac.slice(0, scale).padEnd(scale, '0');
  const v = BigInt(d.int + frac);
  return d.negative ? -v : v;
}

function scaleOf(text) {
  const d = parseDecimal(text);
  return d ? d.frac.length : 0;
}

// Exact ordering of two decimal strings (null sorts first).
export function compareDecimal(a, b) {
  const an = parseDecimal(a);
  const bn = parseDecimal(b);
  if (!an || !bn) return (an ? 1 : 0) - (bn ? 1 : 0);
  const scale = Math.max(scaleOf(a), scaleOf(b));
  const x = toScaled(a, scale);
  const y = toScaled(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

// Integer cents -> a decimal dollars string: -5 -> "-0.05".
export function centsToDollars(cents) {
  if (cents === null || cents === undefined) return null;
  const n = BigInt(cents);
  const abs = n < 0n ? -n : n;
  const s = abs.toString().padStart(3, '0');
  return `${n < 0n ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

// Round a non-negative digit string "int.frac" to `digits` decimals, half away from zero.
function roundDigits(int, frac, digits) {
  const padded = frac.padEnd(digits + 1, '0');
  let kept = BigInt(int + padded.slice(0, digits));
  if (padded[digits] >= '5') kept += 1n;
  const s = kept.toString().padStart(digits + 1, '0');
  return digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
}

// A ratio (JSON number) as a percentage: 0.045475 -> "4.55%", null -> "—". The decimal
// point is moved in the number's shortest text form, so no binary rounding creeps in.
export function formatPercent(ratio, digits = 2) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const text = String(ratio);
  if (/e/i.test(text)) return `${(ratio * 100).toFixed(digits)}%`;
  const d = parseDecimal(text);
  const frac = d.frac.padEnd(2, '0');
  const int = (d.int + frac.slice(0, 2)).replace(/^0+(?=\d)/, '');
  const rounded = roundDigits(int, frac.slice(2), digits);
  const zero = /^[0.]*$/.test(rounded);
  return `${d.negative && !zero ? '-' : ''}${rounded}%`;
}

// Seconds -> "3d 4h", "5h 12m", "7m", "40s".
export function formatAge(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

// Seconds -> "just now", "3 min ago", "2 h ago", "4 days ago".
export function formatAgo(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'never';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 45) return 'just now';
  if (s < 90) return '1 min ago';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

const timeFormats = new Map();

// An ISO 8601 UTC time shown in the ledger's time zone: "2026-12-06 09:03".
export function formatTime(iso, timeZone) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const zone = timeZone || 'UTC';
  let fmt = timeFormats.get(zone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      });
    } catch {
      fmt = new Intl.DateTimeFormat('en-CA', {
        timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      });
    }
    timeFormats.set(zone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// For the only HTML the page builds from strings: ECharts tooltips.
export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

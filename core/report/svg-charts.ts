// Charts as inline SVG strings, rendered on the server: the dashboard and the HTML/PDF report draw
// the same pictures without a script or a charting library. Pure: text in, text out. Every label
// is escaped (tag values and account names reach them).
import { percent } from './format.js';

const XML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' };
const esc = (v: string | number) => String(v).replace(/[&<>"']/g, (c) => XML[c]!);

/** Series colours, in order (colour-blind safe: Okabe-Ito). */
export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export interface LinePoint {
  /** Epoch milliseconds. */
  time: number;
  /** Compliance score, 0..1. */
  score: number;
  /** Shown on hover. */
  label?: string;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LineChartOptions {
  title: string;
  width?: number;
  height?: number;
}

const PAD = { left: 44, right: 12, top: 28, bottom: 40 };
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Scores over time, one line per series, y from 0 to 100%. */
export function lineChart(series: LineSeries[], opts: LineChartOptions): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 260;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const times = series.flatMap((s) => s.points.map((p) => p.time));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(opts.title)}">` +
    `<title>${esc(opts.title)}</title><text x="${PAD.left}" y="16" class="chart-title" font-size="13" font-weight="bold">${esc(opts.title)}</text>`;
  if (times.length === 0) {
    return `${head}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12" fill="#666">No snapshots yet</text></svg>`;
  }
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number) => PAD.left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW);
  const y = (score: number) => PAD.top + (1 - Math.min(1, Math.max(0, score))) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((g) =>
    `<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${fmt(y(g))}" y2="${fmt(y(g))}" stroke="#ddd"/>` +
    `<text x="${PAD.left - 4}" y="${fmt(y(g) + 4)}" text-anchor="end" font-size="10" fill="#555">${g * 100}%</text>`).join('');
  const axis = `<text x="${PAD.left}" y="${height - 22}" font-size="10" fill="#555">${day(t0)}</text>` +
    (t1 !== t0 ? `<text x="${width - PAD.right}" y="${height - 22}" text-anchor="end" font-size="10" fill="#555">${day(t1)}</text>` : '');
  const lines = series.map((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const pts = [...s.points].sort((a, b) => a.time - b.time);
    const path = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${fmt(x(p.time))},${fmt(y(p.score))}`).join(' ');
    const dots = pts.map((p) => `<circle cx="${fmt(x(p.time))}" cy="${fmt(y(p.score))}" r="3" fill="${colour}">` +
      `<title>${esc(`${s.name} ${p.label ?? day(p.time)}: ${percent(p.score)}`)}</title></circle>`).join('');
    return `<g class="series" data-series="${esc(s.name)}"><path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}</g>`;
  }).join('');
  const legend = series.map((s, i) => {
    const lx = PAD.left + i * 110;
    return `<rect x="${lx}" y="${height - 14}" width="10" height="10" fill="${SERIES_COLOURS[i % SERIES_COLOURS.length]}"/>` +
      `<text x="${lx + 14}" y="${height - 5}" font-size="11">${esc(s.name)}</text>`;
  }).join('');
  return `${head}${grid}${axis}${lines}${legend}</svg>`;
}

export interface BarRow {
  label: string;
  /** Compliance score 0..1: the bar's length. */
  score: number;
  /** Right of the bar, e.g. "12/40 · $310.20/mo gap". */
  note?: string;
}

export interface BarChartOptions {
  title: string;
  width?: number;
  /** Rows drawn; the rest are summed up in a last line. */
  maxRows?: number;
}

const ROW_H = 22;
const LABEL_W = 170;
const NOTE_W = 190;

/** Horizontal bars of compliance scores, one per group, worst first as given. */
export function barChart(rows: BarRow[], opts: BarChartOptions): string {
  const width = opts.width ?? 640;
  const shown = rows.slice(0, opts.maxRows ?? 15);
  const more = rows.length - shown.length;
  const height = 26 + Math.max(1, shown.length) * ROW_H + (more > 0 ? ROW_H : 0);
  const barW = width - LABEL_W - NOTE_W - 50;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(opts.title)}">` +
    `<title>${esc(opts.title)}</title><text x="0" y="14" font-size="13" font-weight="bold">${esc(opts.title)}</text>`;
  if (shown.length === 0) return `${head}<text x="0" y="40" font-size="12" fill="#666">No data</text></svg>`;
  const body = shown.map((r, i) => {
    const top = 24 + i * ROW_H;
    const score = Math.min(1, Math.max(0, r.score));
    const label = r.label.length > 26 ? `${r.label.slice(0, 25)}…` : r.label;
    return `<g class="bar" data-label="${esc(r.label)}"><title>${esc(`${r.label}: ${percent(r.score)}${r.note ? ` (${r.note})` : ''}`)}</title>` +
      `<text x="${LABEL_W - 6}" y="${top + 14}" text-anchor="end" font-size="11">${esc(label)}</text>` +
      `<rect x="${LABEL_W}" y="${top + 3}" width="${barW}" height="${ROW_H - 8}" fill="#eee"/>` +
      `<rect x="${LABEL_W}" y="${top + 3}" width="${fmt(barW * score)}" height="${ROW_H - 8}" fill="${scoreColour(score)}"/>` +
      `<text x="${LABEL_W + barW + 6}" y="${top + 14}" font-size="11">${esc(percent(r.score))}</text>` +
      (r.note ? `<text x="${LABEL_W + barW + 50}" y="${top + 14}" font-size="10" fill="#555">${esc(r.note)}</text>` : '') + '</g>';
  }).join('');
  const tail = more > 0 ? `<text x="${LABEL_W}" y="${24 + shown.length * ROW_H + 14}" font-size="11" fill="#555">… and ${more} more</text>` : '';
  return `${head}${body}${tail}</svg>`;
}

/** Red below 50%, amber below 80%, green above. */
export function scoreColour(score: number): string {
  return score < 0.5 ? '#D55E00' : score < 0.8 ? '#E69F00' : '#009E73';
}

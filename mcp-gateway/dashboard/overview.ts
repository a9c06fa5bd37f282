// The overview: the chosen scan's score and counts, the score's trend over stored snapshots
// (overall and by cloud), breakdowns by cloud, type, account and region as bars with the known
// non-compliant monthly cost, and the top violations by count and by cost. The figures are the
// ones generate_compliance_report gives (the same scanReport), from stored costs only: a page
// view never triggers billed Cost Explorer calls.
import { randomUUID } from 'node:crypto';
import { complianceScore } from '../../core/compliance/index.js';
import {
  barChart, breakdownBars, lineChart, money, percent, type BreakdownRow, type ComplianceReport, type LineSeries, type ViolationRow,
} from '../../core/report/index.js';
import type { SnapshotRecord, SnapshotCloudScores } from '../../store/index.js';
import type { GatewayDeps, ToolContext } from '../context.js';
import { scanReport } from '../scans/scan-report.js';
import { html, trusted, type Html } from './html.js';
import { chooseScan, scanOptions } from './scan-choice.js';
import { workflowUrl } from './temporal-links.js';

const DAY_MS = 86_400_000;
export const TREND_DAYS = { min: 1, max: 365, default: 90 };
const SNAPSHOTS_LISTED = 10;

export function trendDays(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= TREND_DAYS.min && n <= TREND_DAYS.max ? n : TREND_DAYS.default;
}

/** A tool context for the report code the tools run: no MCP request, no progress to send. */
export function dashboardContext(deps: GatewayDeps): ToolContext {
  return { ...deps, correlationId: `dashboard-${randomUUID()}`, progress: async () => {} };
}

export function snapshotScore(s: SnapshotRecord): number | null {
  if (s.score !== null) return s.score;
  if (s.total === null || s.compliant === null || !Number.isInteger(s.total) || !Number.isInteger(s.compliant)) return null;
  return s.compliant >= 0 && s.compliant <= s.total ? complianceScore(s.compliant, s.total) : null;
}

/** One line for all snapshots, one per cloud their totals name. */
export function trendSeries(snapshots: SnapshotRecord[], byCloud: SnapshotCloudScores[]): LineSeries[] {
  const overall: LineSeries = { name: 'overall', points: [] };
  for (const s of snapshots) {
    const score = snapshotScore(s);
    if (score !== null) overall.points.push({ time: Date.parse(s.finishedAt), score, label: s.finishedAt.slice(0, 16).replace('T', ' ') });
  }
  const clouds = new Map<string, LineSeries>();
  for (const s of byCloud) {
    for (const [cloud, t] of Object.entries(s.byCloud)) {
      if (t.total === 0 || t.compliant > t.total) continue;
      let series = clouds.get(cloud);
      if (!series) clouds.set(cloud, series = { name: cloud, points: [] });
      series.points.push({ time: Date.parse(s.finishedAt), score: complianceScore(t.compliant, t.total) });
    }
  }
  return [overall, ...[...clouds.values()].sort((a, b) => (a.name < b.name ? -1 : 1))];
}

function card(label: string, figure: string | number, testId: string): Html {
  return html`<div class="card"><div class="figure" data-testid="${testId}">${figure}</div><div class="label">${label}</div></div>`;
}

function breakdownTable(rows: BreakdownRow[], dim: string): Html {
  return html`<details><summary>Table</summary><table data-testid="breakdown-${dim}">
<thead><tr><th>${dim}</th><th>Resources</th><th>Compliant</th><th>Non-compliant</th><th>Score</th><th>Cost gap ($/month, non-compliant)</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${r.key}</td><td class="num">${r.total}</td><td class="num">${r.compliant}</td><td class="num">${r.non_compliant}</td>
<td class="num">${percent(r.compliance_score)}</td><td class="num">${r.non_compliant_monthly_cost === null ? 'unknown' : money(r.non_compliant_monthly_cost)}</td></tr>`)}</tbody></table></details>`;
}

function breakdownPanel(title: string, rows: BreakdownRow[], dim: string, groups: number): Html {
  const more = groups > rows.length ? ` (${rows.length} of ${groups} groups)` : '';
  return html`<div class="panel">${trusted(barChart(breakdownBars(rows), { title: `${title}${more}` }))}${breakdownTable(rows, dim)}</div>`;
}

function violationsTable(rows: ViolationRow[], testId: string, scanParam: string): Html {
  if (rows.length === 0) return html`<p class="muted">None.</p>`;
  return html`<table data-testid="${testId}"><thead><tr><th>#</th><th>Tag</th><th>Violation</th><th>Severity</th><th>Resources</th><th>Non-compliant</th><th>Cost/month</th></tr></thead>
<tbody>${rows.map((r, i) => html`<tr><td class="num">${i + 1}</td><td><a href="/dashboard/violations?scan=${encodeURIComponent(scanParam)}&amp;tag=${encodeURIComponent(r.tag)}">${r.tag}</a></td>
<td>${r.kind}</td><td class="sev-${r.severity}">${r.severity}</td><td class="num">${r.resources}</td><td class="num">${r.non_compliant_resources}</td><td class="num">${money(r.monthly_cost)}</td></tr>`)}</tbody></table>`;
}

function summaryCards(report: ComplianceReport): Html {
  const s = report.summary;
  return html`<div class="cards">
${card('Compliance score', percent(s.compliance_score), 'score')}
${card('Resources', s.total_resources, 'total')}
${card('Compliant', s.compliant, 'compliant')}
${card('Non-compliant', s.non_compliant, 'non-compliant')}
${card('No tags at all', s.never_tagged, 'never-tagged')}
${card('Non-compliant cost/month (known)', money(s.non_compliant_monthly_cost), 'non-compliant-cost')}
</div>`;
}

function snapshotsTable(snapshots: SnapshotRecord[], deps: GatewayDeps): Html {
  const newest = [...snapshots].reverse().slice(0, SNAPSHOTS_LISTED);
  if (newest.length === 0) {
    return html`<p class="muted">No stored snapshots in this period. Scheduled audits and scans run with store_snapshot record them.</p>`;
  }
  return html`<details><summary>Latest snapshots</summary><table data-testid="snapshots">
<thead><tr><th>Finished</th><th>Scan</th><th>Score</th><th>Resources</th><th>Compliant</th><th>Data</th><th>Run</th></tr></thead>
<tbody>${newest.map((s) => html`<tr data-scan="${s.workflowId}"><td>${s.finishedAt.slice(0, 19).replace('T', ' ')}</td>
<td><a href="/dashboard?scan=${encodeURIComponent(s.workflowId)}"><code>${s.workflowId}</code></a></td>
<td class="num">${percent(snapshotScore(s))}</td><td class="num">${s.total ?? '?'}</td><td class="num">${s.compliant ?? '?'}</td>
<td>${s.dataQualityStatus ?? 'unknown'}</td><td><a href="${workflowUrl(deps.config, s.workflowId)}" rel="noreferrer">Temporal</a></td></tr>`)}</tbody></table></details>`;
}

export async function overviewBody(deps: GatewayDeps, query: { scan?: string; days?: string }): Promise<Html> {
  const days = trendDays(query.days);
  const since = new Date(Date.now() - days * DAY_MS);
  const [choice, history, cloudHistory] = await Promise.all([
    chooseScan(deps.store, query.scan),
    deps.store.listSnapshots({ since }),
    deps.store.snapshotCloudScores(since),
  ]);
  const trend = html`<div class="panel">${trusted(lineChart(trendSeries(history.snapshots, cloudHistory), {
    title: `Compliance score over stored snapshots, last ${days} days`, width: 900,
  }))}${history.truncated ? html`<p class="muted">Only the most recent snapshots are drawn.</p>` : ''}
${snapshotsTable(history.snapshots, deps)}</div>`;
  const picker = html`<form method="get" action="/dashboard" class="filters">
<label>Scan<select name="scan">${scanOptions(choice).map((o) => html`<option value="${o.value}"${o.selected ? html` selected` : ''}>${o.label}</option>`)}</select></label>
<label>Trend days<input type="number" name="days" min="${TREND_DAYS.min}" max="${TREND_DAYS.max}" value="${days}"></label>
<button type="submit">Show</button></form>`;
  if (!choice.scan) {
    return html`${picker}<p class="warning">${query.scan ? `No completed scan ${query.scan}.` : 'No completed scan yet.'} Run one from your MCP client (check_tag_compliance) or wait for the scheduled audit.</p>${trend}`;
  }
  const scan = choice.scan;
  const report = await scanReport(dashboardContext(deps), scan, undefined, { includeRecommendations: false, topN: 10 });
  const dq = report.data_quality;
  return html`${picker}
<p>Scan <a href="${workflowUrl(deps.config, scan.workflowId)}" rel="noreferrer"><code data-testid="scan-id">${scan.workflowId}</code></a>
(${scan.storeSnapshot ? 'stored snapshot' : `${scan.trigger} scan`}), finished ${scan.finishedAt ?? 'unknown'}.</p>
${dq.status !== 'complete' ? html`<p class="warning" data-testid="partial">Data quality: <strong>${dq.status}</strong>; ${dq.missing_total} target(s) could not be read. Figures undercount.</p>` : ''}
${summaryCards(report)}
<h2>Trend</h2>
${trend}
<h2>Breakdowns</h2>
<div class="grid">
${report.by_cloud.length > 0 ? breakdownPanel('Score by cloud', report.by_cloud, 'cloud', report.by_cloud.length) : ''}
${breakdownPanel('Score by resource type', report.by_resource_type, 'resource-type', report.breakdown_groups.resource_type)}
${breakdownPanel('Score by account', report.by_account, 'account', report.breakdown_groups.account)}
${breakdownPanel('Score by region', report.by_region, 'region', report.breakdown_groups.region)}
</div>
<h2>Top violations</h2>
<div class="grid">
<div class="panel"><h3>By count</h3>${violationsTable(report.top_violations_by_count, 'top-by-count', scan.workflowId)}</div>
<div class="panel"><h3>By cost</h3>${violationsTable(report.top_violations_by_cost, 'top-by-cost', scan.workflowId)}</div>
</div>`;
}

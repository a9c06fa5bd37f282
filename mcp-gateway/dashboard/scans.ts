// Scans: those in progress with their live progress (the workflow's progress query, as
// get_scan_status reads it), those held for approval, the scheduled audits with their next runs,
// and recent scans; each run links into the Temporal Web UI. The page reloads itself while a scan
// runs (a meta refresh: no script needed, so the CSP can forbid every script).
import { scanProgress } from '../../client/scans.js';
import { listAuditSchedules } from '../../client/schedules.js';
import type { ScanProgress } from '../../core/scan.js';
import { percent } from '../../core/report/index.js';
import type { ScanInStatus } from '../../store/index.js';
import type { GatewayDeps } from '../context.js';
import { summaryView } from '../scans/result-views.js';
import { html, type Html } from './html.js';
import { workflowUrl } from './temporal-links.js';

export const REFRESH_SECONDS = 3;
const LISTED = 50;
const RECENT = 20;
/** A progress query that does not answer in this long is shown as unavailable, not waited for. */
const PROGRESS_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeScope(scope: Record<string, unknown>): string {
  const list = (v: unknown, all: string) => (Array.isArray(v) ? v.join(', ') : all);
  if (typeof scope.source === 'string') return `inventory ${scope.source}`;
  return `${list(scope.clouds, 'aws')}: ${list(scope.resourceTypes, 'all types')}; ${list(scope.accounts, 'all accounts')}; ${list(scope.regions, 'all regions')}`;
}

function progressCell(p: ScanProgress | undefined): Html {
  if (!p) return html`<span class="muted">progress unavailable (is the worker running?)</span>`;
  const shards = p.shardsTotal > 0 ? html`<progress max="${p.shardsTotal}" value="${p.shardsDone}"></progress> ` : '';
  return html`${shards}<span data-testid="progress">${p.phase}: ${p.shardsDone}/${p.shardsTotal} shards, ${p.accountsDone}/${p.accountsTotal} accounts, ${p.resourcesSeen} resources seen${p.shardsFailed ? `, ${p.shardsFailed} failed` : ''}</span>`;
}

function runningTable(deps: GatewayDeps, scans: ScanInStatus[], progress: (ScanProgress | undefined)[]): Html {
  if (scans.length === 0) return html`<p class="muted" data-testid="no-running">No scan in progress.</p>`;
  return html`<table data-testid="running"><thead><tr><th>Scan</th><th>Trigger</th><th>Scope</th><th>Started</th><th>Progress</th><th>Run</th></tr></thead>
<tbody>${scans.map((s, i) => html`<tr data-scan="${s.workflowId}"><td><code>${s.workflowId}</code></td><td>${s.trigger}</td><td>${describeScope(s.scope)}</td>
<td>${s.startedAt.slice(0, 19).replace('T', ' ')}</td><td>${progressCell(progress[i])}</td>
<td><a href="${workflowUrl(deps.config, s.workflowId)}" rel="noreferrer">Temporal</a></td></tr>`)}</tbody></table>`;
}

function approvalTable(deps: GatewayDeps, scans: ScanInStatus[]): Html {
  if (scans.length === 0) return html`<p class="muted" data-testid="no-approvals">No scan is waiting for approval.</p>`;
  return html`<table data-testid="approvals"><thead><tr><th>Scan</th><th>Trigger</th><th>Scope</th><th>Since</th><th>Run</th></tr></thead>
<tbody>${scans.map((s) => html`<tr><td><code>${s.workflowId}</code></td><td>${s.trigger}</td><td>${describeScope(s.scope)}</td>
<td>${s.startedAt.slice(0, 19).replace('T', ' ')}</td><td><a href="${workflowUrl(deps.config, s.workflowId)}" rel="noreferrer">Temporal</a></td></tr>`)}</tbody></table>`;
}

async function schedulesSection(deps: GatewayDeps): Promise<Html> {
  let schedules: Awaited<ReturnType<typeof listAuditSchedules>>;
  try {
    schedules = await withTimeout(listAuditSchedules(deps.temporal), PROGRESS_TIMEOUT_MS * 2);
  } catch {
    return html`<p class="error">Temporal did not answer the schedule list; try again shortly.</p>`;
  }
  if (schedules.length === 0) return html`<p class="muted">No scheduled audit.</p>`;
  const ui = (id: string) => workflowUrl(deps.config, id).replace(/\/workflows\/[^/]*$/, `/schedules/${encodeURIComponent(id)}`);
  return html`<table data-testid="schedules"><thead><tr><th>Schedule</th><th>State</th><th>Next run (UTC)</th><th>Last run</th><th>Note</th></tr></thead>
<tbody>${schedules.map((s) => html`<tr><td><a href="${ui(s.scheduleId)}" rel="noreferrer"><code>${s.scheduleId}</code></a></td><td>${s.paused ? 'paused' : 'active'}</td>
<td>${s.nextRun?.slice(0, 19).replace('T', ' ') ?? '—'}</td><td>${s.lastRunAt?.slice(0, 19).replace('T', ' ') ?? '—'}</td><td>${s.note ?? ''}</td></tr>`)}</tbody></table>`;
}

export async function scansBody(deps: GatewayDeps): Promise<{ body: Html; refresh: boolean }> {
  const [running, awaiting, recent] = await Promise.all([
    deps.store.scansInStatus('running', LISTED),
    deps.store.scansInStatus('awaiting_approval', LISTED),
    deps.store.listScans({ limit: RECENT }),
  ]);
  const [progress, schedules] = await Promise.all([
    Promise.all(running.map((s) => withTimeout(scanProgress(deps.temporal, s.workflowId), PROGRESS_TIMEOUT_MS).catch(() => undefined))),
    schedulesSection(deps),
  ]);
  const recentTable = recent.length === 0 ? html`<p class="muted">No scan yet.</p>` : html`<table data-testid="recent">
<thead><tr><th>Scan</th><th>Status</th><th>Trigger</th><th>Started</th><th>Finished</th><th>Score</th><th>Resources</th><th>Run</th></tr></thead>
<tbody>${recent.map((s) => {
    const v = summaryView(s);
    return html`<tr data-scan="${s.workflowId}"><td>${s.status === 'completed' ? html`<a href="/dashboard?scan=${encodeURIComponent(s.workflowId)}"><code>${s.workflowId}</code></a>` : html`<code>${s.workflowId}</code>`}</td>
<td data-testid="status">${s.status}</td><td>${s.storeSnapshot ? `${s.trigger}, snapshot` : s.trigger}</td><td>${s.startedAt.slice(0, 19).replace('T', ' ')}</td>
<td>${s.finishedAt?.slice(0, 19).replace('T', ' ') ?? ''}</td><td class="num">${v.compliance_score === null ? '' : percent(v.compliance_score)}</td>
<td class="num">${v.total_resources}</td><td><a href="${workflowUrl(deps.config, s.workflowId)}" rel="noreferrer">Temporal</a></td></tr>`;
  })}</tbody></table>`;
  const body = html`<h2>In progress</h2>${runningTable(deps, running, progress)}
${running.length > 0 ? html`<p class="muted">This page reloads every ${REFRESH_SECONDS} s while a scan runs.</p>` : ''}
<h2>Awaiting approval</h2>${approvalTable(deps, awaiting)}
<h2>Scheduled audits</h2>${schedules}
<h2>Recent scans</h2>${recentTable}`;
  return { body, refresh: running.length > 0 };
}

// The text a person reads once a scan ends (and `status` prints): the score, the totals, per cloud
// and per account (worst first), what could not be read, the scan id and its Temporal UI link.
import { scanScore } from '../core/compliance/index.js';
import { percent } from '../core/report/format.js';
import type { Breakdown, DataQuality, ScanProgress, ScanTotals } from '../core/scan.js';
import type { Config } from '../config/index.js';
import { redactSecrets } from '../mcp-gateway/redact.js';
import { plainLine } from './progress-bar.js';

/** What a finished scan returns (ComplianceScanResult), as far as the table reads it. */
export interface FinishedScan {
  status: 'completed' | 'cancelled';
  totals: ScanTotals;
  dataQuality: DataQuality & { missingTotal?: number };
  progress?: ScanProgress;
}

const MISSING_LISTED = 5;

/** Where the Temporal Web UI shows a workflow: the dev server's UI (TEMPORAL_UI_PORT) on its address. */
export function temporalUiLink(config: Config, workflowId: string): string {
  const dev = config.temporal.devServer;
  return `http://${dev.ip}:${dev.uiPort}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text from a cloud's error (a failure reason): no credentials, no escape sequences, one line. */
export function safeText(text: string, max = 120): string {
  const clean = redactSecrets(text).replace(CONTROL, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Columns padded to their widest cell; numbers (right-aligned columns) line up on the right. */
export function table(headers: string[], rows: string[][], rightAligned: number[] = []): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
    .join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

function breakdownRows(byKey: Record<string, Breakdown>, order: 'name' | 'worst', top: number): string[][] {
  const entries = Object.entries(byKey);
  entries.sort(order === 'name'
    ? ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)
    : ([ka, a], [kb, b]) => (b.total - b.compliant) - (a.total - a.compliant) || (ka < kb ? -1 : 1));
  return entries.slice(0, top).map(([key, b]) => [
    key, String(b.total), String(b.compliant), String(b.total - b.compliant), b.total ? percent(scanScore(b.compliant, b.total)) : 'no score',
  ]);
}

/** The score as a 0..1 number, or null when the scan saw no resources (no resources is not 100 %). */
export function scoreOf(totals: ScanTotals): number | null {
  if (!totals.total) return null;
  return typeof totals.score === 'number' ? totals.score : scanScore(totals.compliant, totals.total);
}

export function summaryTable(config: Config, workflowId: string, scan: FinishedScan, opts: { topAccounts: number }): string {
  const t = scan.totals;
  const score = scoreOf(t);
  const dq = scan.dataQuality;
  const missingTotal = dq.missingTotal ?? dq.missing.length;
  const failedShards = scan.progress?.shardsFailed ?? 0;
  const out: string[] = [
    `Scan         ${workflowId} (${scan.status})`,
    `Score        ${score === null ? 'no score (no resources in scope)' : percent(score)}`,
    `Resources    ${t.total} total, ${t.compliant} compliant, ${t.nonCompliant} non-compliant`,
    `Data         ${dq.status === 'complete' ? 'complete' : `PARTIAL: ${missingTotal} target(s) not read${failedShards ? `, ${failedShards} failed shard(s)` : ''}` +
      `${scan.status === 'cancelled' ? ', scan cancelled' : ''}; figures may undercount`}`,
  ];
  const headers = (first: string) => [first, 'RESOURCES', 'COMPLIANT', 'NON-COMPLIANT', 'SCORE'];
  if (t.byCloud && Object.keys(t.byCloud).length) {
    out.push('', 'By cloud', ...table(headers('CLOUD'), breakdownRows(t.byCloud, 'name', 10), [1, 2, 3, 4]).map((l) => `  ${l}`));
  }
  const accounts = t.byAccount ?? {};
  const accountCount = Object.keys(accounts).length;
  if (accountCount) {
    const shown = Math.min(opts.topAccounts, accountCount);
    out.push('', `By account (${shown === accountCount ? `all ${accountCount}` : `top ${shown} of ${accountCount}`}, most non-compliant first)`,
      ...table(headers('ACCOUNT'), breakdownRows(accounts, 'worst', shown), [1, 2, 3, 4]).map((l) => `  ${l}`));
  }
  if (dq.status !== 'complete' && dq.missing.length) {
    const rows = dq.missing.slice(0, MISSING_LISTED).map((m) => [
      safeText(m.account, 40), safeText(m.region ?? m.target ?? '-', 40), safeText(m.resourceType ?? '-', 40), `${safeText(m.errorType, 40)}: ${safeText(m.reason)}`,
    ]);
    out.push('', `Not read (${Math.min(MISSING_LISTED, dq.missing.length)} of ${missingTotal})`,
      ...table(['ACCOUNT', 'REGION', 'TYPE', 'WHY'], rows).map((l) => `  ${l}`));
  }
  out.push('', `Temporal UI  ${temporalUiLink(config, workflowId)}`,
    `Report       finops-tag-compliance report --scan ${workflowId} --format html --output report.html`);
  return `${out.join('\n')}\n`;
}

/** What `status` (and a scan left running) prints while the scan runs. */
export function runningTable(config: Config, workflowId: string, progress: ScanProgress | undefined, elapsedSeconds?: number): string {
  const out = [
    `Scan         ${workflowId} (running)`,
    `Progress     ${progress ? plainLine({ progress, elapsedSeconds: elapsedSeconds ?? 0 }).replace(/^\[[^\]]*\] /, '') : 'no worker has reported yet'}`,
    `Temporal UI  ${temporalUiLink(config, workflowId)}`,
    `Follow       finops-tag-compliance status ${workflowId}`,
  ];
  return `${out.join('\n')}\n`;
}

// The violations table: one row per finding of the chosen scan, filtered by cloud, account,
// region, resource type, policy tag and severity (a GET form, so a filtered view is a link),
// keyset-paged, each with the fix the finding suggests.
import { money } from '../../core/report/index.js';
import type { ViolationFilter, ViolationPosition, ViolationRowRecord } from '../../store/index.js';
import type { GatewayDeps } from '../context.js';
import { html, type Html } from './html.js';
import { fixKey, modelFixes, type ModelFix } from './model-fixes.js';
import { chooseScan, scanOptions } from './scan-choice.js';

export const PAGE_SIZES = [25, 50, 100, 200] as const;
const DEFAULT_PAGE = 50;

export interface ViolationsQuery {
  scan?: string;
  cloud?: string;
  account?: string;
  region?: string;
  type?: string;
  tag?: string;
  severity?: string;
  limit?: string;
  after?: string;
  /** '1': ask the suggestion model for values (suggest_tags' model). */
  suggest?: string;
}

/** Query values are free text from the URL: bounded, and blank means "any". */
function text(value: string | undefined, max = 300): string | undefined {
  const v = value?.trim();
  return v ? v.slice(0, max) : undefined;
}

export function filterOf(q: ViolationsQuery): ViolationFilter {
  const severity = q.severity === 'error' || q.severity === 'warning' ? q.severity : undefined;
  const f: ViolationFilter = {};
  const set = <K extends keyof ViolationFilter>(key: K, value: ViolationFilter[K] | undefined) => {
    if (value !== undefined) f[key] = value;
  };
  set('cloud', text(q.cloud, 16));
  set('account', text(q.account, 200));
  set('region', text(q.region, 64));
  set('resourceType', text(q.type, 100));
  set('tag', text(q.tag, 128));
  set('severity', severity);
  return f;
}

export function encodePosition(p: ViolationPosition): string {
  return Buffer.from(JSON.stringify([p.resourceId, p.ordinal])).toString('base64url');
}

export function decodePosition(value: string | undefined): ViolationPosition | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && Number.isInteger(parsed[1])) {
      return { resourceId: parsed[0], ordinal: parsed[1] as number };
    }
  } catch { /* an edited link: start from the first page */ }
  return undefined;
}

/** What to do about a finding, in one line; `model` is the suggestion model's value, when asked for and confident. */
export function suggestedFix(v: Pick<ViolationRowRecord, 'kind' | 'tag' | 'value' | 'foundKey' | 'allowed' | 'suggestion'>, model?: ModelFix): string {
  if (!v.suggestion && model) {
    const verb = v.kind === 'missing_required_tag' ? 'Add' : 'Set';
    return `${verb} ${v.tag} = "${model.value}" (suggested by the model, ${Math.round(model.confidence * 100)}% confident)`;
  }
  const allowed = v.allowed?.length ? v.allowed.slice(0, 8).join(', ') + (v.allowed.length > 8 ? ', …' : '') : undefined;
  if (v.suggestion) return `Set ${v.tag} to "${v.suggestion}"${v.value !== null ? ` (was "${v.value}")` : ''}`;
  if (v.foundKey && (v.kind === 'wrong_key_case' || v.kind === 'key_case_mismatch')) return `Rename key "${v.foundKey}" to "${v.tag}"`;
  if (v.kind === 'missing_required_tag') return allowed ? `Add ${v.tag} (one of: ${allowed})` : `Add tag ${v.tag}`;
  if (v.kind === 'empty_value') return allowed ? `Give ${v.tag} a value (one of: ${allowed})` : `Give ${v.tag} a value`;
  if (allowed) return `Use one of: ${allowed}`;
  if (v.kind === 'invalid_format') return `Fix the format of ${v.tag}`;
  return '';
}

function pageSize(value: string | undefined): number {
  const n = Number(value);
  return (PAGE_SIZES as readonly number[]).includes(n) ? n : DEFAULT_PAGE;
}

function link(base: Record<string, string | undefined>, extra: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...base, ...extra })) if (v) params.set(k, v);
  return `/dashboard/violations?${params.toString()}`;
}

function select(name: string, label: string, options: string[], current: string | undefined): Html {
  const values = current && !options.includes(current) ? [current, ...options] : options;
  return html`<label>${label}<select name="${name}"><option value="">any</option>${values.map((o) =>
    html`<option value="${o}"${o === current ? html` selected` : ''}>${o}</option>`)}</select></label>`;
}

export async function violationsBody(deps: GatewayDeps, q: ViolationsQuery): Promise<Html> {
  const choice = await chooseScan(deps.store, text(q.scan));
  if (!choice.scan) return html`<p class="warning">No completed scan${q.scan ? html` <code>${q.scan}</code>` : ''} to show.</p>`;
  const scan = choice.scan;
  const filter = filterOf(q);
  const limit = pageSize(q.limit);
  const after = decodePosition(q.after);
  const [aggregates, rows, matching] = await Promise.all([
    deps.store.reportAggregates(scan.id),
    deps.store.violationRows(scan.id, filter, { limit: limit + 1, ...(after ? { after } : {}) }),
    deps.store.countViolationRows(scan.id, filter),
  ]);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const suggest = q.suggest === '1';
  const fixes = suggest ? await modelFixes(deps, scan.id, page) : new Map<string, ModelFix>();
  const keys = (stats: { key: string }[] | undefined) => (stats ?? []).map((s) => s.key).sort();
  const tags = [...new Set(aggregates.violations.map((v) => v.tag))].sort();
  const current = {
    scan: scan.workflowId, cloud: filter.cloud, account: filter.account, region: filter.region, type: filter.resourceType,
    tag: filter.tag, severity: filter.severity, limit: limit === DEFAULT_PAGE ? undefined : String(limit), suggest: suggest ? '1' : undefined,
  };
  const form = html`<form method="get" action="/dashboard/violations" class="filters" data-testid="filters">
<label>Scan<select name="scan">${scanOptions(choice).map((o) => html`<option value="${o.value}"${o.selected ? html` selected` : ''}>${o.label}</option>`)}</select></label>
${select('cloud', 'Cloud', keys(aggregates.byCloud), filter.cloud)}
${select('account', 'Account', keys(aggregates.byAccount), filter.account)}
${select('region', 'Region', keys(aggregates.byRegion), filter.region)}
${select('type', 'Resource type', keys(aggregates.byResourceType), filter.resourceType)}
${select('tag', 'Tag', tags, filter.tag)}
${select('severity', 'Severity', ['error', 'warning'], filter.severity)}
${select('limit', 'Per page', PAGE_SIZES.map(String), String(limit))}
<label>Model values<span><input type="checkbox" name="suggest" value="1"${suggest ? html` checked` : ''}> suggest</span></label>
<button type="submit">Filter</button> <a href="/dashboard/violations?scan=${encodeURIComponent(scan.workflowId)}">Clear</a></form>`;
  const table = page.length === 0 ? html`<p class="muted" data-testid="no-violations">No findings match.</p>` : html`<div class="scroll"><table data-testid="violations" class="findings">
<thead><tr><th>Resource</th><th>Cloud</th><th>Account</th><th>Region</th><th>Type</th><th>Tag</th><th>Violation</th><th>Severity</th><th>Value</th><th>Suggested fix</th><th>Cost/month</th></tr></thead>
<tbody>${page.map((v) => html`<tr><td class="resource"><code>${v.resourceId}</code>${v.name ? html`<br><span class="muted">${v.name}</span>` : ''}</td>
<td>${v.cloud}</td><td>${v.account}</td><td>${v.region}</td><td>${v.resourceType}</td><td>${v.tag}</td><td>${v.kind}</td>
<td class="sev-${v.severity === 'warning' ? 'warning' : 'error'}">${v.severity}</td><td>${v.value ?? v.foundKey ?? ''}</td>
<td class="fix" data-testid="fix">${suggestedFix(v, fixes.get(fixKey(v.resourceId, v.tag)))}</td><td class="num">${money(v.monthlyCost)}</td></tr>`)}</tbody></table></div>`;
  const pager = html`<div class="pager">
${after ? html`<a href="${link(current, {})}">« First page</a>` : ''}
${rows.length > limit && last ? html`<a href="${link(current, { after: encodePosition(last) })}" data-testid="next-page">Next page »</a>` : ''}
</div>`;
  return html`${form}
<p>Scan <code data-testid="scan-id">${scan.workflowId}</code>: <strong data-testid="matching">${matching}</strong> finding(s) match${after ? ' (a later page)' : ''}.</p>
${table}${pager}`;
}

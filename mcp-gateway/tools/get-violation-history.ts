// get_violation_history: compliance over time from stored snapshots only (scheduled audits and
// scans run with store_snapshot), grouped by day, week or month, with the trend.
import { z } from 'zod';
import {
  groupSnapshots, HISTORY_GROUPINGS, percent, scopeMatches, trendOf, TREND_THRESHOLD_POINTS, type ScopeFilter, type SnapshotSummary,
} from '../../core/report/index.js';
import type { SnapshotRecord } from '../../store/index.js';
import { defineTool } from '../context.js';
import { scopeOf, scopeParams } from '../scans/params.js';

const DAY_MS = 86_400_000;
const MAX_SCOPES_LISTED = 20;

const pointSchema = z.object({
  period: z.string().describe('2026-01-31 (day), 2026-W05 (ISO week) or 2026-01 (month), UTC'),
  period_start: z.string(),
  compliance_score: z.number().describe('0..1, from the last snapshot of the period'),
  total: z.number().int(),
  compliant: z.number().int(),
  violations: z.number().int().describe('Non-compliant resources'),
  scans: z.number().int().describe('Snapshots taken in the period'),
  snapshot_id: z.string().describe('scan_id of that snapshot'),
  snapshot_finished_at: z.string(),
  data_quality: z.string().nullable().describe('complete or partial, as the snapshot recorded it'),
});

export const getViolationHistory = defineTool({
  name: 'get_violation_history',
  title: 'Get violation history',
  description:
    'Shows how compliance changed over the last days_back days, from stored snapshots only: scheduled audits and ' +
    'check_tag_compliance calls made with store_snapshot: true (ordinary queries are never recorded). Snapshots are ' +
    'grouped by UTC day, ISO week or month; each point holds the figures of the period\'s last snapshot ' +
    '(compliance_score 0..1, total, compliant, violations = non-compliant resources) and how many snapshots it had; ' +
    'periods without snapshots are absent. trend compares the first and last points: improving or declining when ' +
    `the score moved by at least ${TREND_THRESHOLD_POINTS} percentage point, else stable. Pass resource_types ` +
    '(and accounts / regions) to follow one scope; without them snapshots of every scope are mixed, and `scopes` ' +
    'lists them. No points means no snapshots yet: create some first. Does not start a scan.',
  inputSchema: z.object({
    days_back: z.number().int().min(1).max(90).default(30).describe('How many days to look back (1-90)'),
    group_by: z.enum(HISTORY_GROUPINGS).default('day').describe('day, week (ISO, Monday first) or month'),
    resource_types: scopeParams.resource_types.optional().describe('Only snapshots of exactly these resource types'),
    accounts: scopeParams.accounts.describe('Only snapshots of exactly these accounts'),
    regions: scopeParams.regions.describe('Only snapshots of exactly these regions'),
    filters: scopeParams.filters,
  }).strict(),
  outputSchema: z.object({
    days_back: z.number().int(),
    group_by: z.enum(HISTORY_GROUPINGS),
    since: z.string(),
    points: z.array(pointSchema).describe('Oldest first'),
    trend: z.enum(['improving', 'declining', 'stable']),
    change_points: z.number().nullable().describe('Last minus first score in percentage points; null with fewer than two points'),
    snapshots: z.number().int().describe('Snapshots read'),
    scopes: z.array(z.object({
      resource_types: z.array(z.string()),
      accounts: z.array(z.string()).nullable(),
      regions: z.array(z.string()).nullable(),
      snapshots: z.number().int(),
    })).describe(`Distinct scopes among the snapshots (up to ${MAX_SCOPES_LISTED})`),
    truncated: z.boolean().describe('True when there were more snapshots than one call reads; the oldest were left out'),
  }),
  annotations: { title: 'Get violation history', readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  async handler(ctx, input) {
    const filter = scopeFilterOf(input);
    const since = new Date(Date.now() - input.days_back * DAY_MS);
    const { snapshots, truncated } = await ctx.store.listSnapshots({ since });
    const matched = snapshots.filter((s) => scopeMatches(s.scope, filter) && summaryOf(s) !== null);
    const points = groupSnapshots(matched.map((s) => summaryOf(s)!), input.group_by);
    const { trend, change_points } = trendOf(points);
    const scopes = distinctScopes(matched);

    const scoped = filter.resourceTypes || filter.accounts || filter.regions ? ' matching that scope' : '';
    let text: string;
    if (points.length === 0) {
      text = `No compliance snapshots${scoped} in the last ${input.days_back} day(s). History records only snapshots: run ` +
        'check_tag_compliance with store_snapshot: true, or schedule a compliance audit, then call this again.';
    } else {
      const first = points[0]!;
      const last = points.at(-1)!;
      text = points.length === 1
        ? `One ${input.group_by} with snapshots (${last.period}): compliance ${percent(last.compliance_score)}, ` +
          `${last.violations} non-compliant of ${last.total}. Trend: stable (one point; take more snapshots to see a trend).`
        : `Compliance went from ${percent(first.compliance_score)} (${first.period}) to ${percent(last.compliance_score)} ` +
          `(${last.period}), ${change_points! >= 0 ? '+' : ''}${change_points} points: ${trend}. ` +
          `Latest: ${last.violations} non-compliant of ${last.total}; ${matched.length} snapshot(s) in ${points.length} period(s).`;
      if (scopes.length > 1 && !scoped) {
        text += ` Note: snapshots of ${scopes.length} different scopes are mixed; pass resource_types (and accounts/regions) to follow one.`;
      }
    }
    if (truncated) text += ' Only the most recent snapshots were read; shorten days_back for the full period.';
    return {
      structured: {
        days_back: input.days_back,
        group_by: input.group_by,
        since: since.toISOString(),
        points,
        trend,
        change_points,
        snapshots: matched.length,
        scopes: scopes.slice(0, MAX_SCOPES_LISTED),
        truncated,
      },
      text,
    };
  },
});

interface HistoryArgs {
  resource_types?: string[];
  accounts?: string[];
  regions?: string[];
  filters?: { region?: string; account_id?: string };
}

/** Normalises the caller's scope like a scan's (validated, sorted, filters folded in); unset parts match any. */
function scopeFilterOf(args: HistoryArgs): ScopeFilter {
  const scope = scopeOf({ ...args, resource_types: args.resource_types ?? ['all'] });
  return {
    ...(args.resource_types ? { resourceTypes: scope.resourceTypes } : {}),
    ...(args.accounts || args.filters?.account_id ? { accounts: scope.accounts } : {}),
    ...(args.regions || args.filters?.region ? { regions: scope.regions } : {}),
  };
}

function summaryOf(s: SnapshotRecord): SnapshotSummary | null {
  const { total, compliant } = s;
  if (total === null || compliant === null || !Number.isInteger(total) || !Number.isInteger(compliant) || compliant < 0 || compliant > total) {
    return null;
  }
  return { scanId: s.workflowId, finishedAt: s.finishedAt, total, compliant, score: s.score, dataQuality: s.dataQualityStatus };
}

function distinctScopes(snapshots: SnapshotRecord[]) {
  const scopes = new Map<string, { resource_types: string[]; accounts: string[] | null; regions: string[] | null; snapshots: number }>();
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : null);
  for (const s of snapshots) {
    const key = s.scopeHash ?? JSON.stringify(s.scope);
    const entry = scopes.get(key);
    if (entry) entry.snapshots++;
    else scopes.set(key, { resource_types: list(s.scope.resourceTypes) ?? [], accounts: list(s.scope.accounts), regions: list(s.scope.regions), snapshots: 1 });
  }
  return [...scopes.values()].sort((a, b) => b.snapshots - a.snapshots);
}

// Reads only the dashboard needs beyond the tools' own queries: per-cloud scores of stored
// snapshots (trend lines by cloud), scans in a given status (in progress, awaiting approval), and
// a scan's findings one row each, filtered and keyset-paged for the violations table.
import { isoTime, positiveLimit } from './columns.js';
import type { Db } from './db.js';
import { resourceTypePatterns } from './type-patterns.js';

/** A stored snapshot's totals by cloud, as its scan recorded them. */
export interface SnapshotCloudScores {
  id: string;
  workflowId: string;
  finishedAt: string;
  byCloud: Record<string, { total: number; compliant: number }>;
}

export interface ScanInStatus {
  id: string;
  workflowId: string;
  trigger: string;
  scope: Record<string, unknown>;
  startedAt: string;
}

export interface ViolationFilter {
  cloud?: string;
  account?: string;
  region?: string;
  /** `service:kind`, or `service:*`. */
  resourceType?: string;
  /** The policy tag the finding is about (case-insensitive). */
  tag?: string;
  severity?: 'error' | 'warning';
}

/** Keyset position: the resource and the ordinal of its finding the previous page ended on. */
export interface ViolationPosition {
  resourceId: string;
  ordinal: number;
}

export interface ViolationRowRecord extends ViolationPosition {
  cloud: string;
  account: string;
  region: string;
  resourceType: string;
  name: string | null;
  tag: string;
  kind: string;
  severity: string;
  message: string | null;
  value: string | null;
  foundKey: string | null;
  allowed: string[] | null;
  suggestion: string | null;
  monthlyCost: number | null;
}

const MAX_PAGE = 500;
const MAX_SNAPSHOTS = 5000;

// $1 scan id, $2..$7 the filter; shared by the page and the count so they always agree.
const FINDINGS = `from scan_resources r
  cross join lateral jsonb_array_elements(case when jsonb_typeof(r.violations) = 'array' then r.violations else '[]' end)
    with ordinality f(value, n)
  where r.scan_id = $1 and r.violations <> '[]'::jsonb and jsonb_typeof(f.value) = 'object'
    and ($2::text is null or r.cloud = $2)
    and ($3::text is null or r.account = $3)
    and ($4::text is null or r.region = $4)
    and ($5::text[] is null or r.resource_type like any($5::text[]))
    and ($6::text is null or lower(f.value->>'tag') = lower($6))
    and ($7::text is null or coalesce(f.value->>'severity', 'error') = $7)`;

function filterParams(scanId: string, f: ViolationFilter): unknown[] {
  return [scanId, f.cloud ?? null, f.account ?? null, f.region ?? null,
    resourceTypePatterns(f.resourceType ? [f.resourceType] : undefined), f.tag ?? null, f.severity ?? null];
}

export function createDashboardViewQueries(db: Db) {
  return {
    /** Completed snapshots finished at or after `since`, oldest first, with their totals by cloud. */
    async snapshotCloudScores(since: string | Date, limit = MAX_SNAPSHOTS): Promise<SnapshotCloudScores[]> {
      const rows = await db.query<{ id: string; workflow_id: string; finished_at: Date; by_cloud: unknown }>(
        `select id, workflow_id, finished_at, totals->'byCloud' as by_cloud from scans
         where store_snapshot and status = 'completed' and finished_at >= $1
         order by finished_at desc, id desc limit $2`, [isoTime(since), positiveLimit(limit, MAX_SNAPSHOTS)]);
      return rows.reverse().map((row) => ({
        id: row.id, workflowId: row.workflow_id, finishedAt: isoTime(row.finished_at), byCloud: cloudTotals(row.by_cloud),
      }));
    },

    /** Scans whose row is in `status` (running, awaiting_approval …), newest first. */
    async scansInStatus(status: string, limit: number): Promise<ScanInStatus[]> {
      const rows = await db.query<{ id: string; workflow_id: string; trigger: string; scope: Record<string, unknown>; started_at: Date }>(
        `select id, workflow_id, trigger, scope, started_at from scans where status = $1
         order by started_at desc, id desc limit $2`, [status, positiveLimit(limit, MAX_PAGE)]);
      return rows.map((r) => ({ id: r.id, workflowId: r.workflow_id, trigger: r.trigger, scope: r.scope, startedAt: isoTime(r.started_at) }));
    },

    /** One finding a row, in (resource id, finding order), after `after`. */
    async violationRows(scanId: string, filter: ViolationFilter, opts: { limit: number; after?: ViolationPosition }): Promise<ViolationRowRecord[]> {
      const params = filterParams(scanId, filter);
      const rows = await db.query<{
        resource_id: string; n: number; cloud: string; account: string; region: string; resource_type: string; name: string | null;
        tag: string | null; kind: string | null; severity: string; message: string | null; value: string | null; found_key: string | null;
        allowed: unknown; suggestion: string | null; monthly_cost: number | null;
      }>(
        `select r.resource_id, f.n, r.cloud, r.account, r.region, r.resource_type, r.name,
                f.value->>'tag' as tag, f.value->>'kind' as kind, coalesce(f.value->>'severity', 'error') as severity,
                f.value->>'message' as message, f.value->>'value' as value, f.value->>'foundKey' as found_key,
                f.value->'allowed' as allowed, f.value->>'suggestion' as suggestion, r.monthly_cost
         ${FINDINGS}
           and ($8::text is null or (r.resource_id, f.n) > ($8::text, $9::bigint))
         order by r.resource_id, f.n limit $10`,
        [...params, opts.after?.resourceId ?? null, opts.after?.ordinal ?? 0, positiveLimit(opts.limit, MAX_PAGE)]);
      return rows.map((r) => ({
        resourceId: r.resource_id, ordinal: Number(r.n), cloud: r.cloud, account: r.account, region: r.region, resourceType: r.resource_type,
        name: r.name, tag: r.tag ?? '', kind: r.kind ?? 'unknown', severity: r.severity, message: r.message, value: r.value,
        foundKey: r.found_key, allowed: Array.isArray(r.allowed) ? r.allowed.map(String) : null, suggestion: r.suggestion,
        monthlyCost: r.monthly_cost,
      }));
    },

    /** How many findings match the filter (every page). */
    async countViolationRows(scanId: string, filter: ViolationFilter): Promise<number> {
      const [row] = await db.query<{ n: number }>(`select count(*) as n ${FINDINGS}`, filterParams(scanId, filter));
      return row?.n ?? 0;
    },
  };
}

function cloudTotals(value: unknown): Record<string, { total: number; compliant: number }> {
  const out: Record<string, { total: number; compliant: number }> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [cloud, b] of Object.entries(value as Record<string, unknown>)) {
    const { total, compliant } = (b ?? {}) as { total?: unknown; compliant?: unknown };
    if (Number.isInteger(total) && Number.isInteger(compliant)) out[cloud] = { total: total as number, compliant: compliant as number };
  }
  return out;
}

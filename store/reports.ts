// Read queries behind the reporting tools: untagged resources as keyset pages, a scan's report
// aggregates (counts, breakdowns, findings by tag and kind), and the snapshots history reads.
import type { TagValueCount } from '../core/compliance/index.js';
import type { BreakdownStat, ReportAggregates, ViolationStat } from '../core/report/index.js';
import { isoTime, isoTimeOrNull, positiveLimit } from './columns.js';
import type { Db } from './db.js';
import type { ScanResourceRecord, ScanResourceSqlRow } from './scan-resources.js';

/** A resource with no tags, or missing at least one required tag. */
export type UntaggedResourceRecord = Omit<ScanResourceRecord, 'scanId' | 'cloud' | 'compliant'>;

export interface UntaggedQuery {
  /** Keep resources costing at least this much a month; resources of unknown cost are kept. */
  minMonthlyCost?: number | null;
}

export interface UntaggedTotals {
  /** Resources in the scan. */
  scanned: number;
  /** Untagged resources matching the query (every page). */
  matching: number;
  /** Of those, resources with no tag at all. */
  neverTagged: number;
  /** Of those, resources whose monthly cost is known. */
  withCost: number;
  /** Sum of their known monthly costs; null when none is known. */
  monthlyCost: number | null;
  /** Untagged resources left out by minMonthlyCost. */
  belowThreshold: number;
}

/** A completed snapshot as history needs it. */
export interface SnapshotRecord {
  id: string;
  workflowId: string;
  scope: Record<string, unknown>;
  scopeHash: string | null;
  finishedAt: string;
  /** From the stored totals; null when absent or not a number. */
  total: number | null;
  compliant: number | null;
  score: number | null;
  dataQualityStatus: string | null;
}

const MAX_PAGE = 10_000;
const MAX_SNAPSHOTS = 20_000;
/** (cloud, type, key, value) groups read for a consistency check: bounded whatever the scan's size. */
const MAX_TAG_VALUE_COUNTS = 50_000;
/** Findings of each kind keep this many example keys and values. */
const EXAMPLES = 5;

const UNTAGGED = `(tags = '{}'::jsonb or violations @> '[{"kind":"missing_required_tag"}]'::jsonb)`;
const COST_AT_LEAST = '($2::numeric is null or monthly_cost is null or monthly_cost >= $2::numeric)';

type UntaggedRow = Omit<ScanResourceSqlRow, 'scan_id' | 'cloud' | 'compliant'>;

interface AggregateRow {
  dim: 'type' | 'account' | 'region' | 'cloud' | 'all';
  key: string | null;
  total: number;
  compliant: number;
  never_tagged: number;
  missing_required: number;
  findings: number | null;
  with_cost: number;
  cost: number | null;
  non_compliant_cost: number | null;
}

interface ViolationRow {
  tag: string | null;
  kind: string | null;
  severity: string | null;
  resources: number;
  non_compliant: number;
  cost: number | null;
  found_keys: string[] | null;
  found_values: string[] | null;
  allowed: unknown;
  suggestions: { value: string; suggestion: string }[] | null;
}

export function createReportQueries(db: Db) {
  return {
    /** A page of untagged resources ordered by resource id (byte order); pass the last id as `after`. */
    async listUntaggedResources(scanId: string, opts: UntaggedQuery & { limit: number; after?: string }): Promise<UntaggedResourceRecord[]> {
      const rows = await db.query<UntaggedRow>(
        `select resource_id, account, region, resource_type, name, tags, state, created_at, violations, monthly_cost
         from scan_resources
         where scan_id = $1 and ${UNTAGGED} and ${COST_AT_LEAST} and ($3::text is null or resource_id > $3)
         order by resource_id limit $4`,
        [scanId, opts.minMonthlyCost ?? null, opts.after ?? null, positiveLimit(opts.limit, MAX_PAGE)]);
      return rows.map((row) => ({
        resourceId: row.resource_id,
        account: row.account,
        region: row.region,
        resourceType: row.resource_type,
        name: row.name,
        tags: row.tags,
        state: row.state,
        createdAt: isoTimeOrNull(row.created_at),
        violations: row.violations,
        monthlyCost: row.monthly_cost,
      }));
    },

    /** Totals over every page of listUntaggedResources with the same query. */
    async untaggedTotals(scanId: string, opts: UntaggedQuery = {}): Promise<UntaggedTotals> {
      const [row] = await db.query<{ scanned: number; untagged: number; matching: number; never_tagged: number; with_cost: number; cost: number | null }>(
        `select count(*) as scanned,
                count(*) filter (where untagged) as untagged,
                count(*) filter (where untagged and kept) as matching,
                count(*) filter (where untagged and kept and tags = '{}'::jsonb) as never_tagged,
                count(monthly_cost) filter (where untagged and kept) as with_cost,
                sum(monthly_cost) filter (where untagged and kept) as cost
         from (select tags, monthly_cost, ${UNTAGGED} as untagged, ${COST_AT_LEAST} as kept
               from scan_resources where scan_id = $1) r`,
        [scanId, opts.minMonthlyCost ?? null]);
      return {
        scanned: row?.scanned ?? 0,
        matching: row?.matching ?? 0,
        neverTagged: row?.never_tagged ?? 0,
        withCost: row?.with_cost ?? 0,
        monthlyCost: row?.cost ?? null,
        belowThreshold: (row?.untagged ?? 0) - (row?.matching ?? 0),
      };
    },

    /** Everything a compliance report is built from, computed by SQL over the stored rows. */
    async reportAggregates(scanId: string): Promise<ReportAggregates> {
      const rows = await db.query<AggregateRow>(
        `select case when grouping(resource_type) = 0 then 'type' when grouping(account) = 0 then 'account'
                     when grouping(region) = 0 then 'region' when grouping(cloud) = 0 then 'cloud' else 'all' end as dim,
                coalesce(resource_type, account, region, cloud) as key,
                count(*) as total,
                count(*) filter (where compliant) as compliant,
                count(*) filter (where tags = '{}'::jsonb) as never_tagged,
                count(*) filter (where violations @> '[{"kind":"missing_required_tag"}]'::jsonb) as missing_required,
                sum(case when jsonb_typeof(violations) = 'array' then jsonb_array_length(violations) else 0 end) as findings,
                count(monthly_cost) as with_cost,
                sum(monthly_cost) as cost,
                sum(monthly_cost) filter (where not compliant) as non_compliant_cost
         from scan_resources where scan_id = $1
         group by grouping sets ((resource_type), (account), (region), (cloud), ())`, [scanId]);
      const violations = await db.query<ViolationRow>(
        `select f->>'tag' as tag, f->>'kind' as kind, coalesce(f->>'severity', 'error') as severity,
                count(*) as resources,
                count(*) filter (where not r.compliant) as non_compliant,
                sum(r.monthly_cost) filter (where not r.compliant) as cost,
                (array_agg(distinct f->>'foundKey') filter (where f ? 'foundKey'))[1:${EXAMPLES}] as found_keys,
                (array_agg(distinct f->>'value') filter (where f ? 'value'))[1:${EXAMPLES}] as found_values,
                (array_agg(f->'allowed') filter (where jsonb_typeof(f->'allowed') = 'array'))[1] as allowed,
                (array_agg(distinct jsonb_build_object('value', f->>'value', 'suggestion', f->>'suggestion'))
                   filter (where f ? 'suggestion' and f ? 'value'))[1:${EXAMPLES}] as suggestions
         from scan_resources r
         cross join lateral jsonb_array_elements(
           case when jsonb_typeof(r.violations) = 'array' then r.violations else '[]'::jsonb end) f
         where r.scan_id = $1 and jsonb_typeof(f) = 'object'
         group by 1, 2, 3`, [scanId]);
      const stat = (row: AggregateRow): BreakdownStat => ({
        key: row.key ?? '', total: row.total, compliant: row.compliant, nonCompliantCost: row.non_compliant_cost,
      });
      const all = rows.find((r) => r.dim === 'all');
      return {
        counts: {
          total: all?.total ?? 0,
          compliant: all?.compliant ?? 0,
          neverTagged: all?.never_tagged ?? 0,
          missingRequired: all?.missing_required ?? 0,
          findings: all?.findings ?? 0,
          resourcesWithCost: all?.with_cost ?? 0,
          totalCost: all?.cost ?? null,
          nonCompliantCost: all?.non_compliant_cost ?? null,
        },
        byResourceType: rows.filter((r) => r.dim === 'type').map(stat),
        byAccount: rows.filter((r) => r.dim === 'account').map(stat),
        byRegion: rows.filter((r) => r.dim === 'region').map(stat),
        byCloud: rows.filter((r) => r.dim === 'cloud').map(stat),
        violations: violations.map((v): ViolationStat => ({
          tag: v.tag ?? '',
          kind: v.kind ?? 'unknown',
          severity: v.severity ?? 'error',
          resources: v.resources,
          nonCompliantResources: v.non_compliant,
          cost: v.cost,
          foundKeys: v.found_keys ?? [],
          values: v.found_values ?? [],
          allowed: Array.isArray(v.allowed) ? v.allowed.map(String) : null,
          suggestions: v.suggestions ?? [],
        })),
      };
    },

    /**
     * How many resources of each (cloud, type) carry each key with each value, for the keys whose
     * fold (lowercase, without spaces, `.`, `_`, `-`: foldTagKey) is among `keyFolds`. Aggregated in
     * SQL so a scan of any size costs one pass; the most frequent `limit` are returned.
     */
    async tagValueCounts(scanId: string, keyFolds: string[], limit: number): Promise<{ counts: TagValueCount[]; truncated: boolean }> {
      if (keyFolds.length === 0) return { counts: [], truncated: false };
      const cap = positiveLimit(limit, MAX_TAG_VALUE_COUNTS);
      const rows = await db.query<{ cloud: TagValueCount['cloud']; resource_type: string; key: string; value: string; resources: number }>(
        `select r.cloud, r.resource_type, t.key, t.value, count(*) as resources
         from scan_resources r
         cross join lateral jsonb_each_text(case when jsonb_typeof(r.tags) = 'object' then r.tags else '{}'::jsonb end) t
         where r.scan_id = $1 and translate(lower(t.key), E' \\t\\n\\r\\f._-', '') = any($2::text[])
         group by 1, 2, 3, 4
         order by resources desc, 1, 2, 3, 4
         limit $3`, [scanId, keyFolds, cap + 1]);
      return {
        truncated: rows.length > cap,
        counts: rows.slice(0, cap).map((r) => ({ cloud: r.cloud, resourceType: r.resource_type, key: r.key, value: r.value, resources: r.resources })),
      };
    },

    /**
     * Completed snapshots (store_snapshot) finished at or after `since`, oldest first. When more
     * than `limit` exist, the newest `limit` are returned and `truncated` is set.
     */
    async listSnapshots(opts: { since: string | Date; limit?: number }): Promise<{ snapshots: SnapshotRecord[]; truncated: boolean }> {
      const limit = positiveLimit(opts.limit ?? MAX_SNAPSHOTS, MAX_SNAPSHOTS);
      // Only the headline figures: totals also hold per-account breakdowns, too heavy to read by the thousand.
      const rows = await db.query<{ id: string; workflow_id: string; scope: Record<string, unknown>; scope_hash: string | null; finished_at: Date;
        total: unknown; compliant: unknown; score: unknown; dq_status: string | null }>(
        `select id, workflow_id, scope, scope_hash, finished_at, totals->'total' as total, totals->'compliant' as compliant,
                totals->'score' as score, data_quality->>'status' as dq_status from scans
         where store_snapshot and status = 'completed' and finished_at >= $1
         order by finished_at desc, id desc limit $2`, [isoTime(opts.since), limit + 1]);
      return {
        truncated: rows.length > limit,
        snapshots: rows.slice(0, limit).reverse().map((row) => ({
          id: row.id,
          workflowId: row.workflow_id,
          scope: row.scope,
          scopeHash: row.scope_hash,
          finishedAt: isoTime(row.finished_at),
          total: numberOrNull(row.total),
          compliant: numberOrNull(row.compliant),
          score: numberOrNull(row.score),
          dataQualityStatus: row.dq_status,
        })),
      };
    },
  };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
